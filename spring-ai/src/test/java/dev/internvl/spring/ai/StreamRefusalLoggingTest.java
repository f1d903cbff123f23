package dev.internvl.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;

import dev.internvl.BatchingOptions;
import dev.internvl.EngineOptions;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.InvalidRequestException;
import dev.internvl.testing.CapturedLog;
import dev.internvl.testing.EngineHold;
import dev.internvl.testing.TinyModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * Streams the engine refuses (a prompt longer than the context, a full queue) fail with the engine's exception
 * and log nothing at ERROR: a server answers them with a 4xx or a 503, and a log line with a stack trace per
 * refused request would flood its log under load. A stream that ends still gives its observation the whole answer.
 */
class StreamRefusalLoggingTest {

    @TempDir
    static Path dir;

    static InternVL engine;
    static InternVLChatModel model;
    static final BlockingQueue<ChatModelObservationContext> stopped = new LinkedBlockingQueue<>();

    @BeforeAll
    static void load() {
        // one request at a time, none waiting: a second one is refused at once
        engine = InternVL.load(TinyModel.write(dir.resolve("tiny-internvl")), EngineOptions.defaults()
                .withBatching(new BatchingOptions(1, 0, 256, 1, 6))
                .withGeneration(GenerationOptions.builder().maxNewTokens(4).build()));
        model = InternVLChatModel.builder(engine)
                .observationRegistry(InternVLChatModelTest.recordingStops(stopped)).build();
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static Prompt ask(String question) {
        return new Prompt(List.of(UserMessage.builder().text(question).build()));
    }

    static Throwable failureOf(Prompt prompt) {
        try {
            model.stream(prompt).blockLast(Duration.ofMinutes(1));
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("the stream did not fail");
    }

    @Test
    void aStreamRefusedForContextOverflowLogsNothingAtError() {
        Throwable failure;
        try (CapturedLog log = CapturedLog.start()) {
            failure = failureOf(ask("hello ".repeat(33_000)));
            assertThat(log.linesAt("ERROR")).as(log.text()).isEmpty();
            assertThat(log.text()).doesNotContain("Aggregation Error");
        }
        assertThat(failure).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("the model's context is 32768");
        assertThat(((InvalidRequestException) failure).code()).isEqualTo("context_length_exceeded");
    }

    @Test
    void aStreamRefusedByABusyEngineLogsNothingAtError() throws Exception {
        Throwable failure;
        try (EngineHold hold = EngineHold.start(engine); CapturedLog log = CapturedLog.start()) {
            failure = failureOf(ask("Describe."));
            assertThat(log.linesAt("ERROR")).as(log.text()).isEmpty();
            assertThat(log.text()).doesNotContain("Aggregation Error");
        }
        assertThat(failure).isInstanceOf(RejectedExecutionException.class).hasMessageStartingWith("the engine is busy");
    }

    @Test
    void aFinishedStreamGivesItsObservationTheWholeAnswer() throws InterruptedException {
        stopped.clear();
        List<ChatResponse> chunks = model.stream(ask("Describe.")).collectList().block(Duration.ofMinutes(1));
        String streamed = String.join("", chunks.stream().map(c -> c.getResult().getOutput().getText()).toList());
        ChatResponse last = chunks.get(chunks.size() - 1);
        // an earlier test's refused stream may stop its observation (with an error, no response) after it ended
        ChatModelObservationContext context;
        do {
            context = stopped.poll(1, TimeUnit.MINUTES);
        } while (context != null && context.getResponse() == null && context.getError() != null);
        assertThat(context).isNotNull();
        ChatResponse response = context.getResponse();
        assertThat(response.getResult().getOutput().getText()).isEqualTo(streamed);
        assertThat(response.getResult().getMetadata().getFinishReason())
                .isEqualTo(last.getResult().getMetadata().getFinishReason());
        assertThat(response.getMetadata().getUsage().getPromptTokens())
                .isEqualTo(last.getMetadata().getUsage().getPromptTokens());
        assertThat(response.getMetadata().getUsage().getCompletionTokens())
                .isEqualTo(last.getMetadata().getUsage().getCompletionTokens());
        assertThat(response.getMetadata().getModel()).isEqualTo("tiny-internvl");
    }
}
