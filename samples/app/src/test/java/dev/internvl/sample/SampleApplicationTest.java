package dev.internvl.sample;

import dev.internvl.testing.TinyModel;
import static org.assertj.core.api.Assertions.assertThat;

import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.spring.ai.InternVLChatOptions;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.DefaultApplicationArguments;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.MimeTypeUtils;

/** The sample application with the starter on a tiny random checkpoint: Spring AI's ChatClient end to end. */
@SpringBootTest
class SampleApplicationTest {

    @TempDir
    static Path tmp;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("spring.ai.internvl.model.path", () -> TinyCheckpoint.path().toString());
        registry.add("spring.ai.internvl.max-tiles", () -> "1");
        registry.add("spring.ai.internvl.chat.options.max-tokens", () -> "8");
    }

    /** Collects the chat model observations that have ended. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Observations {
        static final BlockingQueue<ChatModelObservationContext> STOPPED = new LinkedBlockingQueue<>();

        @Bean
        ObservationRegistry observationRegistry() {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new ObservationHandler<ChatModelObservationContext>() {
                @Override
                public boolean supportsContext(Observation.Context context) {
                    return context instanceof ChatModelObservationContext;
                }

                @Override
                public void onStop(ChatModelObservationContext context) {
                    STOPPED.add(context);
                }
            });
            return registry;
        }
    }

    @Autowired
    ChatModel chatModel;

    @Autowired
    ChatClient appChatClient;

    static ByteArrayResource picture(int seed) {
        return new ByteArrayResource(TinyModel.png(64, 48, seed));
    }

    ChatClient.ChatClientRequestSpec describe(ChatClient client) {
        return client.prompt().user(u -> u.text("Describe the image.").media(MimeTypeUtils.IMAGE_PNG, picture(0)));
    }

    static int promptTokens(ChatResponse r) {
        return r.getMetadata().getUsage().getPromptTokens();
    }

    static int completionTokens(ChatResponse r) {
        return r.getMetadata().getUsage().getCompletionTokens();
    }

    @Test
    void theStarterProvidesTheInternVLChatModel() {
        assertThat(chatModel).isInstanceOf(InternVLChatModel.class);
        assertThat(((InternVLChatModel) chatModel).getOptions().getMaxTokens()).isEqualTo(8);
    }

    @Test
    void callAndStreamAgree() {
        ChatClient client = ChatClient.create(chatModel);
        String called = describe(client).call().content();
        String streamed = describe(client).stream().content().collect(Collectors.joining())
                .block(Duration.ofMinutes(2));
        assertThat(called).isNotNull();
        assertThat(streamed).isEqualTo(called);
    }

    @Test
    void usageModelAndFinishReasonArePresent() {
        ChatResponse r = describe(appChatClient).call().chatResponse();
        assertThat(r).isNotNull();
        assertThat(r.getMetadata().getModel()).isEqualTo("tiny-internvl");
        assertThat(promptTokens(r)).isGreaterThan(256); // one tile of image tokens and the text
        assertThat(completionTokens(r)).isBetween(1, 8);
        assertThat(r.getMetadata().getUsage().getTotalTokens()).isEqualTo(promptTokens(r) + completionTokens(r));
        assertThat(r.getResult().getMetadata().getFinishReason()).isIn("STOP", "LENGTH");
    }

    @Test
    void requestOptionsOverrideTheConfiguredDefaults() {
        ChatResponse byDefault = describe(appChatClient).call().chatResponse();
        ChatResponse two = describe(appChatClient).options(ChatOptions.builder().maxTokens(2)).call().chatResponse();
        // random weights never pick the stop token greedily: both run to their limit
        assertThat(byDefault.getResult().getMetadata().getFinishReason()).isEqualTo("LENGTH");
        assertThat(completionTokens(byDefault)).isEqualTo(8);
        assertThat(completionTokens(two)).isEqualTo(2);
    }

    @Test
    void temperatureWithASeedIsReproducible() {
        InternVLChatOptions.Builder sampled = InternVLChatOptions.builder().temperature(1.0).seed(11L);
        String a = describe(appChatClient).options(sampled.clone()).call().content();
        String b = describe(appChatClient).options(sampled.clone()).call().content();
        String c = describe(appChatClient).options(sampled.clone().seed(12L)).call().content();
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void aSystemMessageChangesThePrompt() {
        ChatResponse plain = appChatClient.prompt().user("Hello").call().chatResponse();
        ChatResponse withSystem = appChatClient.prompt().system("You answer in exactly three words, always.")
                .user("Hello").call().chatResponse();
        assertThat(promptTokens(withSystem)).isNotEqualTo(promptTokens(plain));
    }

    @Test
    void theHistoryIsPartOfThePrompt() {
        ChatResponse plain = appChatClient.prompt().user("And now?").call().chatResponse();
        ChatResponse withHistory = appChatClient.prompt()
                .messages(UserMessage.builder().text("Describe this.").media(new org.springframework.ai.content.Media(
                        MimeTypeUtils.IMAGE_PNG, picture(1))).build(), new AssistantMessage("A red square."))
                .user("And now?").call().chatResponse();
        // the earlier turn, its image (256 tokens for one tile) and the answer are in the prompt
        assertThat(promptTokens(withHistory)).isGreaterThan(promptTokens(plain) + 256);
    }

    @Test
    void cancellingAStreamStopsGeneration() throws InterruptedException {
        Observations.STOPPED.clear();
        String first = describe(appChatClient).options(ChatOptions.builder().maxTokens(400)).stream().content()
                .blockFirst(Duration.ofMinutes(1)); // takes one delta, then cancels
        assertThat(first).isNotNull();
        ChatModelObservationContext context = Observations.STOPPED.poll(1, TimeUnit.MINUTES);
        assertThat(context).as("the cancelled stream's observation ended").isNotNull();
        assertThat(context.getResponse().getResult().getMetadata().getFinishReason()).isEqualTo("CANCELLED");
        assertThat(completionTokens(context.getResponse())).isLessThan(10);
    }

    @Test
    void twoConcurrentCallsBothSucceed() {
        String expected = describe(appChatClient).call().content();
        CompletableFuture<String> a = CompletableFuture.supplyAsync(() -> describe(appChatClient).call().content());
        CompletableFuture<String> b = CompletableFuture.supplyAsync(() -> describe(appChatClient).stream().content()
                .collect(Collectors.joining()).block());
        assertThat(List.of(a.join(), b.join())).containsOnly(expected);
    }

    @Test
    void theCommandAnswersAQuestionAboutAnImageFile() throws Exception {
        Path image = Files.write(tmp.resolve("photo.png"), TinyModel.png(64, 48, 2));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AskCommand command = new AskCommand(appChatClient, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        command.run(new DefaultApplicationArguments(image.toString(), "What", "is", "this?"));
        String expected = appChatClient.prompt().user(u -> u.text("What is this?")
                .media(MimeTypeUtils.IMAGE_PNG, new ByteArrayResource(TinyModel.png(64, 48, 2)))).call().content();
        assertThat(command.getExitCode()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(expected + System.lineSeparator());
    }

    @Test
    void theCommandReportsUsageAndFileErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AskCommand command = new AskCommand(appChatClient, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        command.run(new DefaultApplicationArguments("only-an-image.png"));
        assertThat(command.getExitCode()).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("usage:");
        command.run(new DefaultApplicationArguments(tmp.resolve("missing.jpg").toString(), "What?"));
        assertThat(command.getExitCode()).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing.jpg: no such image file");
    }

    @Test
    void theArgumentsAreCheckedBeforeAnythingLoadsWithOneLinePerProblem() throws Exception {
        Path text = Files.writeString(tmp.resolve("notes.txt"), "not an image at all\n");
        Path image = Files.write(tmp.resolve("ok.png"), TinyModel.png(64, 48, 2));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(AskCommand.checkArguments(List.of(text.toString(), "What?"), e)).isEqualTo(1);
        assertThat(AskCommand.checkArguments(List.of("only-an-image.png"), e)).isEqualTo(2);
        assertThat(AskCommand.checkArguments(List.of(image.toString(), "What?"), e)).isZero();
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("notes.txt").doesNotContain("Exception");
        assertThat(lines.get(1)).startsWith("usage:");
    }
}
