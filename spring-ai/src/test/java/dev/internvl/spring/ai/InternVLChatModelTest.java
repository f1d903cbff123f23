package dev.internvl.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.internvl.EngineOptions;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.InvalidRequestException;
import dev.internvl.testing.TinyModel;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.MimeTypeUtils;
import reactor.test.StepVerifier;

/** The chat model on a tiny random checkpoint: what the engine answers, through Spring AI's types. */
class InternVLChatModelTest {

    @TempDir
    static Path dir;

    static InternVL engine;
    static InternVLChatModel model;

    @BeforeAll
    static void load() {
        engine = InternVL.load(TinyModel.write(dir.resolve("tiny-internvl")), EngineOptions.defaults()
                .withGeneration(GenerationOptions.builder().maxNewTokens(8).build()));
        model = InternVLChatModel.builder(engine)
                .defaultOptions(InternVLChatOptions.builder().maxTiles(1).build())
                .build();
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static Media picture(int seed) {
        return new Media(MimeTypeUtils.IMAGE_PNG, new ByteArrayResource(TinyModel.png(64, 48, seed)));
    }

    static Prompt ask(String question, ChatOptions options) {
        return new Prompt(List.of(UserMessage.builder().text(question).media(picture(0)).build()), options);
    }

    @Test
    void callReturnsTheAnswerWithModelUsageAndFinishReason() {
        ChatResponse r = model.call(ask("Describe the image.", null));
        assertThat(r.getResult().getOutput().getText()).isNotNull();
        assertThat(r.getMetadata().getModel()).isEqualTo("tiny-internvl");
        assertThat(r.getMetadata().getId()).isNotBlank();
        assertThat(r.getMetadata().getUsage().getPromptTokens()).isGreaterThan(256); // one tile of image tokens
        assertThat(r.getMetadata().getUsage().getCompletionTokens()).isBetween(1, 8);
        assertThat(r.getMetadata().getUsage().getTotalTokens()).isEqualTo(
                r.getMetadata().getUsage().getPromptTokens() + r.getMetadata().getUsage().getCompletionTokens());
        assertThat(r.getResult().getMetadata().getFinishReason()).isIn("STOP", "LENGTH");
        assertThat(model.getOptions().getModel()).isEqualTo("tiny-internvl");
    }

    @Test
    void streamedDeltasAddUpToTheCalledAnswer() {
        Prompt prompt = ask("Describe the image.", InternVLChatOptions.builder().maxTokens(12).build());
        ChatResponse called = model.call(prompt);
        List<ChatResponse> chunks = model.stream(prompt).collectList().block(Duration.ofMinutes(2));
        String streamed = chunks.stream().map(c -> c.getResult().getOutput().getText()).collect(Collectors.joining());
        assertThat(streamed).isEqualTo(called.getResult().getOutput().getText());
        ChatResponse last = chunks.get(chunks.size() - 1);
        assertThat(last.getResult().getMetadata().getFinishReason())
                .isEqualTo(called.getResult().getMetadata().getFinishReason());
        assertThat(last.getMetadata().getUsage().getPromptTokens())
                .isEqualTo(called.getMetadata().getUsage().getPromptTokens());
        assertThat(last.getMetadata().getUsage().getCompletionTokens())
                .isEqualTo(called.getMetadata().getUsage().getCompletionTokens());
        assertThat(chunks).allSatisfy(c -> assertThat(c.getMetadata().getModel()).isEqualTo("tiny-internvl"));
    }

    @Test
    void aStreamWhoseGeneratingThreadIsInterruptedEndsInsteadOfHanging() throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool();
        try {
            InternVLChatModel onOwnThreads = InternVLChatModel.builder(engine)
                    .scheduler(reactor.core.scheduler.Schedulers.fromExecutorService(threads)).build();
            BlockingQueue<ChatResponse> seen = new LinkedBlockingQueue<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            onOwnThreads.stream(new Prompt("Tell me a long story.", InternVLChatOptions.builder().maxTokens(4000)
                    .build())).subscribe(seen::add, ended::completeExceptionally, () -> ended.complete(null));
            assertThat(seen.poll(60, TimeUnit.SECONDS)).as("a first delta").isNotNull();
            // the thread waiting for the engine, as a scheduler that shuts down interrupts it
            Thread generating = Thread.getAllStackTraces().entrySet().stream()
                    .filter(e -> java.util.Arrays.stream(e.getValue())
                            .anyMatch(f -> f.getMethodName().equals("generate")
                                    && f.getClassName().endsWith("InternVLChatModel$StreamRun")))
                    .map(java.util.Map.Entry::getKey).findFirst().orElseThrow();
            generating.interrupt();
            ended.get(60, TimeUnit.SECONDS);
            List<ChatResponse> all = new ArrayList<>(seen);
            ChatResponse last = all.get(all.size() - 1);
            assertThat(last.getResult().getMetadata().getFinishReason()).isEqualTo("CANCELLED");
            assertThat(last.getMetadata().getUsage().getCompletionTokens()).isBetween(1, 3999);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void requestOptionsOverrideDefaultsAndNullFieldsFallBack() {
        ChatResponse three = model.call(ask("Describe.", InternVLChatOptions.builder().maxTokens(3).build()));
        ChatResponse five = model.call(ask("Describe.", ChatOptions.builder().maxTokens(5).build()));
        ChatResponse engineDefault = model.call(ask("Describe.", ChatOptions.builder().build()));
        // random weights never pick the stop token greedily: every answer runs to its limit
        assertThat(three.getMetadata().getUsage().getCompletionTokens()).isEqualTo(3);
        assertThat(five.getMetadata().getUsage().getCompletionTokens()).isEqualTo(5);
        assertThat(engineDefault.getMetadata().getUsage().getCompletionTokens()).isEqualTo(8);
        assertThat(three.getResult().getMetadata().getFinishReason()).isEqualTo("LENGTH");
        // greedy: a shorter answer is a prefix of the longer one
        assertThat(five.getResult().getOutput().getText()).startsWith(three.getResult().getOutput().getText().strip());
    }

    @Test
    void skipSpecialTokensReachesTheEngineAndUnsetKeepsItsDefault() {
        assertThat(engine.defaultGeneration().skipSpecialTokens()).isTrue();
        assertThat(model.generationOptions(InternVLChatOptions.builder().build()).skipSpecialTokens()).isTrue();
        assertThat(model.generationOptions(InternVLChatOptions.builder().skipSpecialTokens(false).build())
                .skipSpecialTokens()).isFalse();
        InternVLChatModel keeping = InternVLChatModel.builder(engine)
                .defaultOptions(InternVLChatOptions.builder().skipSpecialTokens(false).build()).build();
        // a request's own value wins over the model's default, field by field
        assertThat(keeping.generationOptions(InternVLChatOptions.merge(keeping.getOptions(),
                InternVLChatOptions.builder().maxTokens(2).build())).skipSpecialTokens()).isFalse();
        assertThat(keeping.generationOptions(InternVLChatOptions.merge(keeping.getOptions(),
                InternVLChatOptions.builder().skipSpecialTokens(true).build())).skipSpecialTokens()).isTrue();
    }

    @Test
    void samplingWithASeedIsReproducible() {
        InternVLChatOptions seeded = InternVLChatOptions.builder().temperature(1.0).seed(7L).maxTokens(8).build();
        String a = model.call(ask("Describe.", seeded)).getResult().getOutput().getText();
        String b = model.call(ask("Describe.", seeded)).getResult().getOutput().getText();
        String c = model.call(ask("Describe.", seeded.mutate().seed(8L).build())).getResult().getOutput().getText();
        assertThat(a).isEqualTo(b).isNotEqualTo(c);
    }

    @Test
    void systemMessageAndHistoryChangeThePrompt() {
        int plain = promptTokens(new Prompt(List.of(new UserMessage("Hello"))));
        int withSystem = promptTokens(new Prompt(List.of(new SystemMessage("You are a very terse assistant who "
                + "answers with one word."), new UserMessage("Hello"))));
        int withHistory = promptTokens(new Prompt(List.of(new UserMessage("Hi there"),
                new AssistantMessage("Hello, how can I help?"), new UserMessage("Hello"))));
        assertThat(withSystem).isNotEqualTo(plain);
        assertThat(withHistory).isGreaterThan(plain + 5);
    }

    static int promptTokens(Prompt p) {
        return model.call(p).getMetadata().getUsage().getPromptTokens();
    }

    @Test
    void unsupportedOrInvalidOptionsAreRejectedByName() {
        assertThatThrownBy(() -> model.call(ask("?", ChatOptions.builder().frequencyPenalty(0.5).build())))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("frequencyPenalty").hasMessageContaining("repetitionPenalty");
        assertThatThrownBy(() -> model.call(ask("?", ChatOptions.builder().presencePenalty(-1.0).build())))
                .hasMessageContaining("presencePenalty");
        assertThat(model.call(ask("?", ChatOptions.builder().frequencyPenalty(0.0).presencePenalty(0.0)
                .maxTokens(1).build()))).isNotNull();
        assertThatThrownBy(() -> model.call(ask("?", ChatOptions.builder().maxTokens(0).build())))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("maxTokens must be at least 1");
        assertThatThrownBy(() -> model.call(ask("?", ChatOptions.builder().topP(1.5).build())))
                .hasMessageContaining("topP");
        assertThatThrownBy(() -> model.call(ask("?", InternVLChatOptions.builder().maxTiles(41).build())))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("maxTiles");
        assertThatThrownBy(() -> model.call(ask("?", ChatOptions.builder().model("gpt-4o").build())))
                .hasMessageContaining("'tiny-internvl'").hasMessageContaining("'gpt-4o'");
        assertThatThrownBy(() -> InternVLChatModel.builder(engine)
                .defaultOptions(InternVLChatOptions.builder().temperature(-1.0).build()).build())
                .hasMessageContaining("temperature");
        StepVerifier.create(model.stream(new Prompt(List.of(new UserMessage("Hi"), new AssistantMessage("Hello")))))
                .expectErrorMessage("The last message must be a user message (the question to answer), "
                        + "but its type is 'assistant'")
                .verify(Duration.ofSeconds(30));
    }

    @Test
    void chatClientCallAndStreamAgree() {
        ChatClient client = ChatClient.create(model);
        String called = client.prompt().user(u -> u.text("What is in the picture?")
                .media(MimeTypeUtils.IMAGE_PNG, new ByteArrayResource(TinyModel.png(64, 48, 1)))).call().content();
        String streamed = client.prompt().user(u -> u.text("What is in the picture?")
                .media(MimeTypeUtils.IMAGE_PNG, new ByteArrayResource(TinyModel.png(64, 48, 1)))).stream().content()
                .collect(Collectors.joining()).block(Duration.ofMinutes(2));
        assertThat(streamed).isEqualTo(called);
    }

    @Test
    void observationsFollowSpringAiChatConventions() {
        TestObservationRegistry registry = TestObservationRegistry.create();
        InternVLChatModel observed = InternVLChatModel.builder(engine).observationRegistry(registry).build();
        observed.call(ask("Describe.", InternVLChatOptions.builder().maxTokens(2).temperature(0.0).build()));
        observed.stream(ask("Describe.", InternVLChatOptions.builder().maxTokens(2).build())).blockLast();
        assertThat(registry).hasNumberOfObservationsWithNameEqualTo("gen_ai.client.operation", 2);
        assertThat(registry).hasObservationWithNameEqualTo("gen_ai.client.operation").that()
                .hasContextualNameEqualTo("chat tiny-internvl")
                .hasLowCardinalityKeyValue("gen_ai.system", "internvl")
                .hasLowCardinalityKeyValue("gen_ai.request.model", "tiny-internvl")
                .hasLowCardinalityKeyValue("gen_ai.response.model", "tiny-internvl")
                .hasBeenStarted().hasBeenStopped();
    }

    /** A registry that puts every chat model observation into {@code stopped} when it ends. */
    static ObservationRegistry recordingStops(BlockingQueue<ChatModelObservationContext> stopped) {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<ChatModelObservationContext>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return context instanceof ChatModelObservationContext;
            }

            @Override
            public void onStop(ChatModelObservationContext context) {
                stopped.add(context);
            }
        });
        return registry;
    }

    @Test
    void cancellingAStreamStopsGenerationWithinOneToken() throws InterruptedException {
        BlockingQueue<ChatModelObservationContext> stopped = new LinkedBlockingQueue<>();
        ObservationRegistry registry = recordingStops(stopped);
        InternVLChatModel observed = InternVLChatModel.builder(engine).observationRegistry(registry).build();
        Prompt long_ = ask("Describe.", InternVLChatOptions.builder().maxTokens(400).build());
        ChatResponse first = observed.stream(long_).blockFirst(Duration.ofMinutes(1)); // cancels after one delta
        assertThat(first).isNotNull();
        // the observation of a cancelled stream ends when the engine has stopped, with what it generated
        ChatModelObservationContext context = stopped.poll(1, TimeUnit.MINUTES);
        assertThat(context).as("observation of the cancelled stream stopped").isNotNull();
        ChatResponse partial = context.getResponse();
        assertThat(partial).isNotNull();
        assertThat(partial.getResult().getMetadata().getFinishReason()).isEqualTo("CANCELLED");
        assertThat(partial.getMetadata().getUsage().getCompletionTokens()).isLessThan(10);
    }

    @Test
    void aCancelOnCompletionIsNotACancellation() throws InterruptedException {
        BlockingQueue<ChatModelObservationContext> stopped = new LinkedBlockingQueue<>();
        ObservationRegistry registry = recordingStops(stopped);
        InternVLChatModel observed = InternVLChatModel.builder(engine).observationRegistry(registry).build();
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        // as a blocking iterator closed after the end does: cancel() from onComplete
        observed.stream(ask("Describe.", InternVLChatOptions.builder().maxTokens(3).build()))
                .subscribe(new reactor.core.CoreSubscriber<ChatResponse>() {
                    private org.reactivestreams.Subscription subscription;

                    @Override
                    public void onSubscribe(org.reactivestreams.Subscription s) {
                        subscription = s;
                        s.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(ChatResponse r) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.countDown();
                    }

                    @Override
                    public void onComplete() {
                        subscription.cancel();
                        done.countDown();
                    }
                });
        assertThat(done.await(1, TimeUnit.MINUTES)).isTrue();
        ChatModelObservationContext context = stopped.poll(1, TimeUnit.MINUTES);
        assertThat(context).isNotNull();
        assertThat(context.getResponse().getResult().getMetadata().getFinishReason()).isEqualTo("LENGTH");
        assertThat(context.getResponse().getMetadata().getUsage().getCompletionTokens()).isEqualTo(3);
        assertThat(stopped.poll(200, TimeUnit.MILLISECONDS)).as("stopped once").isNull();
    }

    @Test
    void aBlockedSubscriberHoldsUpOnlyItsOwnStream() throws Exception {
        Prompt prompt = ask("Describe the image.", InternVLChatOptions.builder().maxTokens(6).build());
        String expected = model.call(prompt).getResult().getOutput().getText();
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch unblock = new CountDownLatch(1);
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<String> slow = model.stream(prompt)
                .doOnNext(r -> {
                    threads.add(Thread.currentThread().getName());
                    blocked.countDown();
                    try {
                        unblock.await(); // a subscriber that blocks in onNext, as blocking I/O would
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })
                .map(r -> r.getResult().getOutput().getText())
                .collect(Collectors.joining()).toFuture();
        try {
            assertThat(blocked.await(1, TimeUnit.MINUTES)).isTrue();
            // the engine's worker is not the blocked thread: other requests are still answered meanwhile
            CompletableFuture<String> other = CompletableFuture.supplyAsync(
                    () -> model.call(prompt).getResult().getOutput().getText(), r -> new Thread(r).start());
            assertThat(other.get(1, TimeUnit.MINUTES)).isEqualTo(expected);
        } finally {
            unblock.countDown();
        }
        // and the blocked stream loses nothing: its deltas were buffered
        assertThat(slow.get(1, TimeUnit.MINUTES)).isEqualTo(expected);
        assertThat(threads).noneMatch(name -> name.equals("internvl-batch"));
    }

    @Test
    void concurrentCallsAndStreamsAllSucceed() throws Exception {
        Prompt prompt = ask("Describe the image.", InternVLChatOptions.builder().maxTokens(6).build());
        String expected = model.call(prompt).getResult().getOutput().getText();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<String>> tasks = List.of(
                    () -> model.call(prompt).getResult().getOutput().getText(),
                    () -> model.call(prompt).getResult().getOutput().getText(),
                    () -> model.stream(prompt).map(r -> r.getResult().getOutput().getText())
                            .collect(Collectors.joining()).block(),
                    () -> model.stream(prompt).map(r -> r.getResult().getOutput().getText())
                            .collect(Collectors.joining()).block());
            for (Future<String> f : pool.invokeAll(tasks)) {
                assertThat(f.get()).isEqualTo(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
