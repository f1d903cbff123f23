package dev.internvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.internvl.generate.BatchScheduler;
import dev.internvl.generate.Completion;
import dev.internvl.model.ComputeDType;
import dev.internvl.model.ModelOptions;
import dev.internvl.testing.TinyModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two rare turns of continuous batching that once failed every request in the batch: a sequence that generates the
 * {@code <IMG_CONTEXT>} token (a special token a model can emit like any other; the next step must run it as an
 * ordinary token, as the reference's generate() does, not look for an image), and a request cancelled in the moment
 * it takes a row beyond those the cache holds.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BatchEdgeCasesTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void write() {
        TinyModel.write(dir);
    }

    static InternVL load() {
        return InternVL.load(dir, EngineOptions.defaults()
                .withModel(ModelOptions.defaults().withDtype(ComputeDType.FP32)));
    }

    @Test
    void aGeneratedImageTokenRunsAsAnOrdinaryToken() {
        long[] prompt = {9707, 11, 1879, 0, 13, 5501, 3};
        GenerationOptions four = GenerationOptions.builder().maxNewTokens(4).build();
        try (InternVL engine = load()) {
            long[] plain;
            // -1: no id of the prompt or the vocabulary is the image token
            try (BatchScheduler s = new BatchScheduler(engine.model(), null, -1, 0, Set.of(),
                    BatchingOptions.defaults())) {
                plain = s.submit(prompt, null, 0, four, ChatListener.SILENT).await().tokenIds();
            }
            assertEquals(4, plain.length);
            long first = plain[0];
            assumeFalse(Arrays.stream(prompt).anyMatch(id -> id == first), "the first answer token is in the prompt");
            // the same decode with the first generated token being the image token: the step after it runs it
            try (BatchScheduler s = new BatchScheduler(engine.model(), null, first, 0, Set.of(),
                    BatchingOptions.defaults())) {
                Completion c = s.submit(prompt, null, 0, four, ChatListener.SILENT).await();
                assertArrayEquals(plain, c.tokenIds());
            }
        }
    }

    @Test
    void aRequestCancelledAsItTakesANewRowEndsAloneAndCleanly() throws Exception {
        try (InternVL engine = load()) {
            CountDownLatch firstToken = new CountDownLatch(1);
            CountDownLatch secondWaits = new CountDownLatch(1);
            ChatListener holdsAtFirstToken = new ChatListener() {
                @Override
                public void onText(String delta) {
                }

                @Override
                public void onToken(long tokenId) {
                    if (firstToken.getCount() > 0) {
                        firstToken.countDown();
                        try {
                            secondWaits.await(60, TimeUnit.SECONDS); // the second request is queued meanwhile
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
            };
            ChatRequest first = ChatRequest.builder("Say something.")
                    .generation(GenerationOptions.builder().maxNewTokens(6).build()).build();
            CompletableFuture<ChatAnswer> a = CompletableFuture.supplyAsync(() -> engine.chat(first,
                    holdsAtFirstToken));
            assertTrue(firstToken.await(60, TimeUnit.SECONDS));
            // cancelled once it has left the queue, i.e. when the engine has given it a row (row 1; the cache has 1)
            ChatListener cancelledInItsRow = new ChatListener() {
                @Override
                public void onText(String delta) {
                }

                @Override
                public boolean cancelled() {
                    return engine.stats().waiting() == 0;
                }
            };
            CompletableFuture<ChatAnswer> b = CompletableFuture.supplyAsync(() -> engine.chat(
                    ChatRequest.of("And you?"), cancelledInItsRow));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (engine.stats().waiting() == 0 && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            secondWaits.countDown();

            assertEquals(FinishReason.CANCELLED, b.get(60, TimeUnit.SECONDS).finishReason());
            ChatAnswer answer = a.get(60, TimeUnit.SECONDS);
            assertNotEquals(FinishReason.CANCELLED, answer.finishReason());
            assertEquals(6, answer.completionTokens());
            EngineStats idle = engine.stats();
            assertEquals(0, idle.running());
            assertNull(idle.failure());
            // the rows are all free again: a full batch of requests still runs
            assertTrue(engine.chat(ChatRequest.of("Once more.")).completionTokens() > 0);
        }
    }
}
