package dev.internvl.spring.starter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.testing.TinyModel;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.MimeTypeUtils;

/**
 * An application with only the starter, auto-configured as Spring Boot does it (every auto-configuration the starter's
 * dependencies register), on a tiny random-weight checkpoint.
 */
class StarterTest {

    @TempDir
    static Path tmp;

    static Path checkpoint;

    @BeforeAll
    static void writeCheckpoint() {
        checkpoint = TinyModel.write(tmp.resolve("tiny-internvl"));
    }

    /** The application: auto-configured as Spring Boot does it, from whatever the starter put on the class path. */
    @Configuration(proxyBeanMethods = false)
    @EnableAutoConfiguration
    static class App {
    }

    final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(App.class)
            .withPropertyValues("spring.ai.internvl.model.path=" + checkpoint, "spring.ai.internvl.max-tiles=1",
                    "spring.ai.internvl.chat.options.max-tokens=4");

    /** The service of the documentation: all it asks for is Spring AI's ChatClient.Builder. */
    static class Describer {

        private final ChatClient chat;

        Describer(ChatClient.Builder builder) {
            this.chat = builder.build();
        }

        ChatResponse describe(byte[] png) {
            return chat.prompt()
                    .user(u -> u.text("Describe the image.").media(MimeTypeUtils.IMAGE_PNG, new ByteArrayResource(png)))
                    .call()
                    .chatResponse();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Service {

        @Bean
        Describer describer(ChatClient.Builder builder) {
            return new Describer(builder);
        }
    }

    @Test
    void aChatClientBuilderOnTheInternVLChatModelAnswersAboutAnImage() {
        runner.withUserConfiguration(Service.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(InternVLChatModel.class)
                    .hasSingleBean(ChatClient.Builder.class);
            ChatResponse response = context.getBean(Describer.class).describe(TinyModel.png(64, 48, 3));
            assertThat(response.getResult().getOutput().getText()).isNotNull();
            // answered by the InternVL model, the image counted: one tile is 256 tokens
            assertThat(response.getMetadata().getModel()).isEqualTo("tiny-internvl");
            assertThat(response.getMetadata().getUsage().getPromptTokens()).isGreaterThan(256);
            assertThat(response.getMetadata().getUsage().getCompletionTokens()).isBetween(1, 4);
        });
    }

    @Test
    void chatMemoryAsWithSpringAIsOwnModelStarters() {
        runner.run(context -> assertThat(context).hasNotFailed().hasSingleBean(ChatMemory.class));
    }

    @Test
    void anotherSelectedModelLeavesNoChatModelAndTheContextStarts() {
        runner.withPropertyValues("spring.ai.model.chat=none").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(ChatModel.class);
        });
    }
}
