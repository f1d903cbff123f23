package dev.internvl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.internvl.InternVL;
import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.testing.FakeHub;
import dev.internvl.testing.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code spring.ai.internvl.model.id}: the checkpoint comes from a hub (one on the loopback interface) into the
 * Hugging Face cache at start-up, with progress in the log, and failures name the property and what to do.
 */
class InternVLHubDownloadTest {

    static final String ID = "test-org/tiny-internvl";
    static final String GATED = "test-org/gated-internvl";
    /** Gated too, and never downloaded (a cached snapshot needs no token). */
    static final String LOCKED = "test-org/locked-internvl";

    /** The hub settings this test sets as system properties (which win over the environment). */
    static final Map<String, String> HUB_PROPERTIES = Map.of("HF_ENDPOINT", "", "HF_HUB_CACHE", "", "HF_HOME", "",
            "HF_TOKEN", "", "HF_HUB_OFFLINE", "0");

    @TempDir
    static Path tmp;

    static FakeHub hub;

    @BeforeAll
    static void startHub() {
        hub = FakeHub.start();
        Path checkpoint = TinyModel.write(tmp.resolve("tiny-internvl"));
        hub.serve(ID, checkpoint);
        hub.serve(GATED, checkpoint).gated("hf_test_token");
        hub.serve(LOCKED, checkpoint).gated("hf_test_token");
        HUB_PROPERTIES.keySet().forEach(k -> System.setProperty(k, ""));
        System.setProperty("HF_ENDPOINT", hub.endpoint());
        System.setProperty("HF_HUB_CACHE", tmp.resolve("hf-cache").toString());
        System.setProperty("HF_HOME", tmp.resolve("hf-home").toString());
        System.setProperty("HF_HUB_OFFLINE", "0");
    }

    @AfterAll
    static void stopHub() {
        HUB_PROPERTIES.keySet().forEach(System::clearProperty);
        hub.close();
    }

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InternVLAutoConfiguration.class,
                    InternVLChatAutoConfiguration.class, InternVLHealthContributorAutoConfiguration.class));

    @Test
    void aModelIdIsDownloadedWithTheTokenPropertyLoggedAndLoaded() {
        hub.clearRequests();
        Logger logger = (Logger) LoggerFactory.getLogger(InternVLAutoConfiguration.class);
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
        try {
            runner.withPropertyValues("spring.ai.internvl.model.id=" + GATED,
                    "spring.ai.internvl.model.token=hf_test_token").run(context -> {
                        assertThat(context).hasNotFailed().hasSingleBean(InternVL.class);
                        Path dir = context.getBean(InternVL.class).info().dir();
                        String commit = dir.getFileName().toString();
                        assertThat(dir).isEqualTo(tmp.resolve("hf-cache/models--test-org--gated-internvl/snapshots")
                                .resolve(commit));
                        assertThat(Files.isSymbolicLink(dir.resolve("config.json"))).isTrue();
                        assertThat(context.getBean(InternVLChatModel.class).getModelId()).isEqualTo(GATED);
                        Health health = context.getBean(InternVLHealthIndicator.class).health(true);
                        assertThat(health.getDetails()).containsEntry("model", GATED)
                                .containsEntry("source", GATED + "@" + commit);
                    });
        } finally {
            logger.detachAppender(log);
        }
        assertThat(log.list).map(ILoggingEvent::getFormattedMessage)
                .anyMatch(m -> m.startsWith("Downloading " + GATED + " (revision main, commit "))
                .anyMatch(m -> m.startsWith("Downloaded " + GATED + " in "));
        assertThat(hub.requests()).allMatch(r -> r.server().equals("cdn") ? r.authorization() == null
                : "Bearer hf_test_token".equals(r.authorization()));
    }

    @Test
    void aPathWinsOverTheIdWhichOnlyNamesTheModelThen() {
        hub.clearRequests();
        runner.withPropertyValues("spring.ai.internvl.model.path=" + tmp.resolve("tiny-internvl"),
                "spring.ai.internvl.model.id=" + ID).run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(InternVL.class).info().dir())
                            .isEqualTo(tmp.resolve("tiny-internvl"));
                });
        assertThat(hub.requests()).isEmpty();
    }

    @Test
    void downloadFailuresNameThePropertyAndSayWhatToDo() {
        runner.withPropertyValues("spring.ai.internvl.model.id=" + LOCKED).run(context -> {
            InternVLAutoConfigurationTest.assertFailure(context, "spring.ai.internvl.model.id",
                    "accept its licence on " + hub.endpoint() + "/" + LOCKED);
            FailureAnalysis analysis = new InternVLConfigurationFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).startsWith("spring.ai.internvl.model.id: " + LOCKED)
                    .contains("HF_TOKEN").contains("spring.ai.internvl.model.token");
            assertThat(analysis.getAction()).startsWith("Check spring.ai.internvl.model.id");
        });
        runner.withPropertyValues("spring.ai.internvl.model.id=test-org/missing")
                .run(context -> InternVLAutoConfigurationTest.assertFailure(context, "spring.ai.internvl.model.id",
                        "no such model on " + hub.endpoint()));
        runner.withPropertyValues("spring.ai.internvl.model.id=" + ID, "spring.ai.internvl.model.revision=v2")
                .run(context -> InternVLAutoConfigurationTest.assertFailure(context, "spring.ai.internvl.model.id",
                        "no revision 'v2'"));
        runner.withPropertyValues("spring.ai.internvl.model.id=/models/InternVL2-1B")
                .run(context -> InternVLAutoConfigurationTest.assertFailure(context,
                        "spring.ai.internvl.model.id=/models/InternVL2-1B", "set spring.ai.internvl.model.path"));
    }
}
