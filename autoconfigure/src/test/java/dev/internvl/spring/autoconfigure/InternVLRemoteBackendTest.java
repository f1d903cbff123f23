package dev.internvl.spring.autoconfigure;

import static dev.internvl.spring.autoconfigure.InternVLAutoConfigurationTest.assertFailure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.internvl.ChatEngine;
import dev.internvl.InternVL;
import dev.internvl.remote.RemoteEngine;
import dev.internvl.remote.RemoteOptions;
import dev.internvl.spring.ai.InternVLChatModel;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** backend=remote: a remote engine instead of a loaded checkpoint, under every bean that answers with the engine. */
class InternVLRemoteBackendTest {

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InternVLAutoConfiguration.class,
                    InternVLChatAutoConfiguration.class, InternVLHealthContributorAutoConfiguration.class))
            .withPropertyValues("spring.ai.internvl.backend=remote");

    @Test
    void theRemoteEngineAnswersAndNothingIsLoaded() {
        // nothing listens on port 1: the engine is made without contacting the servers
        runner.withPropertyValues("spring.ai.internvl.remote.base-urls=http://127.0.0.1:1/v1,http://127.0.0.1:2",
                "spring.ai.internvl.remote.model=OpenGVLab/InternVL2-8B", "spring.ai.internvl.remote.flavor=lmdeploy",
                "spring.ai.internvl.remote.api-key=secret", "spring.ai.internvl.remote.request-timeout=30s").run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(InternVL.class)
                            .hasSingleBean(ChatEngine.class).hasSingleBean(InternVLChatModel.class);
                    RemoteEngine engine = context.getBean(RemoteEngine.class);
                    RemoteOptions o = engine.options();
                    assertThat(o.baseUrls()).containsExactly(URI.create("http://127.0.0.1:1"),
                            URI.create("http://127.0.0.1:2"));
                    assertThat(o.flavor()).isEqualTo(RemoteOptions.Flavor.LMDEPLOY);
                    assertThat(o.apiKey()).isEqualTo("secret");
                    assertThat(o.requestTimeout()).isEqualTo(Duration.ofSeconds(30));
                    assertThat(context.getBean(InternVLChatModel.class).getEngine()).isSameAs(engine);
                    assertThat(context.getBean(InternVLChatModel.class).getModelId())
                            .isEqualTo("OpenGVLab/InternVL2-8B");
                    Health health = context.getBean(InternVLHealthIndicator.class).health(true);
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> replicas = (List<Map<String, Object>>) health.getDetails()
                            .get("replicas");
                    assertThat(replicas).hasSize(2);
                    assertThat(replicas.get(0)).containsEntry("url", "http://127.0.0.1:1").containsEntry("up", true);
                });
    }

    @Test
    void aRemoteBackendWithoutServersOrModelSaysWhatToSet() {
        runner.withPropertyValues("spring.ai.internvl.remote.model=m").run(context ->
                assertFailure(context, "spring.ai.internvl.remote.base-urls", "is not set"));
        runner.withPropertyValues("spring.ai.internvl.remote.base-urls=http://127.0.0.1:1").run(context ->
                assertFailure(context, "spring.ai.internvl.remote.model", "served model name"));
        runner.withPropertyValues("spring.ai.internvl.remote.base-urls=ftp://127.0.0.1:1",
                "spring.ai.internvl.remote.model=m").run(context ->
                assertFailure(context, "spring.ai.internvl.remote.base-urls", "must be http:// or https:// URLs"));
        runner.withPropertyValues("spring.ai.internvl.remote.base-urls=http://127.0.0.1:1",
                "spring.ai.internvl.remote.model=m", "spring.ai.internvl.remote.max-tiles=0").run(context ->
                assertFailure(context, "spring.ai.internvl.remote.max-tiles", "must be between 1 and 40"));
    }
}
