package dev.internvl.spring.autoconfigure;

import static dev.internvl.spring.autoconfigure.InternVLAutoConfigurationTest.assertFailure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.video.VideoLimits;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;

/** {@code spring.ai.internvl.video.*}: the chat model's video limits and default frames, and wrong values. */
class InternVLVideoPropertiesTest {

    final ApplicationContextRunner chat = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InternVLAutoConfiguration.class,
                    InternVLChatAutoConfiguration.class))
            .withUserConfiguration(SharedEngine.class);

    final WebApplicationContextRunner web = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InternVLAutoConfiguration.class,
                    InternVLChatAutoConfiguration.class, InternVLWebAutoConfiguration.class,
                    DispatcherServletAutoConfiguration.class))
            .withUserConfiguration(SharedEngine.class);

    @Test
    void thePropertiesBecomeTheChatModelsLimitsAndDefaultFrames() {
        chat.withPropertyValues("spring.ai.internvl.video.max-bytes=3MB", "spring.ai.internvl.video.max-seconds=90.5",
                "spring.ai.internvl.video.max-frames=24", "spring.ai.internvl.video.max-pixels=1000000",
                "spring.ai.internvl.video.default-frames=16").run(context -> {
                    InternVLChatModel model = context.getBean(InternVLChatModel.class);
                    assertThat(model.getVideoLimits()).isEqualTo(new VideoLimits(3L << 20, 90.5, 24, 1_000_000));
                    assertThat(model.getOptions().getVideoFrames()).isEqualTo(16);
                });
        // unset, without the HTTP endpoints: the engine's defaults
        chat.withPropertyValues("spring.ai.internvl.web.enabled=false").run(context -> {
            InternVLChatModel model = context.getBean(InternVLChatModel.class);
            assertThat(model.getVideoLimits()).isEqualTo(VideoLimits.DEFAULTS);
            assertThat(model.getOptions().getVideoFrames()).isEqualTo(8);
        });
    }

    @Test
    void anUnsetMaxBytesFitsInTheRequestSizeOfTheEndpoints() {
        long twentyMb = 20L << 20;
        web.run(context -> assertThat(context.getBean(InternVLChatModel.class).getVideoLimits().maxBytes())
                .isEqualTo((twentyMb - 65536) / 4 * 3) // 15679488: its base64 and 64 KB are 20 MB
                .satisfies(b -> assertThat(InternVLVideoProperties.base64(b) + 65536).isLessThanOrEqualTo(twentyMb)));
        web.withPropertyValues("spring.ai.internvl.web.max-request-size=2MB").run(context ->
                assertThat(context.getBean(InternVLChatModel.class).getVideoLimits().maxBytes())
                        .isEqualTo(((2L << 20) - 65536) / 4 * 3));
        web.withPropertyValues("spring.ai.internvl.web.max-request-size=40MB",
                "spring.ai.internvl.video.max-bytes=29MB").run(context ->
                assertThat(context.getBean(InternVLChatModel.class).getVideoLimits().maxBytes()).isEqualTo(29L << 20));
    }

    @Test
    void wrongValuesStopTheStartNamingTheProperty() {
        chat.withPropertyValues("spring.ai.internvl.video.max-frames=0").run(context ->
                assertFailure(context, "spring.ai.internvl.video.max-frames=0", "must be at least 1"));
        chat.withPropertyValues("spring.ai.internvl.video.max-seconds=-1").run(context ->
                assertFailure(context, "spring.ai.internvl.video.max-seconds=-1.0", "must be positive"));
        chat.withPropertyValues("spring.ai.internvl.video.max-bytes=0B").run(context ->
                assertFailure(context, "spring.ai.internvl.video.max-bytes=0", "must be at least 1"));
        chat.withPropertyValues("spring.ai.internvl.video.default-frames=65").run(context ->
                assertFailure(context, "spring.ai.internvl.video.default-frames=65", "max-frames (64)"));
        chat.withPropertyValues("spring.ai.internvl.video.max-frames=banana").run(context ->
                assertThat(context).hasFailed());
        web.withPropertyValues("spring.ai.internvl.video.max-bytes=16MB").run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new InternVLConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).as(analysis.getDescription())
                    .startsWith("spring.ai.internvl.video.max-bytes=").contains(" is 22369624 bytes in base64",
                            "max-request-size", "(20971520 bytes)", "at most 15679488B");
            assertThat(analysis.getAction()).contains("spring.ai.internvl.video.max-bytes");
        });
    }
}
