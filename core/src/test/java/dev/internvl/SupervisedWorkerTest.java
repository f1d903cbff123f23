package dev.internvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.generate.EngineFailedException;
import dev.internvl.model.ComputeDType;
import dev.internvl.model.ModelOptions;
import dev.internvl.testing.EngineHold;
import dev.internvl.testing.TinyModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fault in the scheduler's loop itself (here an {@link Error} thrown by a listener's cancellation poll, which no
 * request's own error handling catches) never leaves callers waiting on a dead worker.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SupervisedWorkerTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void write() {
        TinyModel.write(dir);
    }

    static InternVL load(int maxQueue) {
        return InternVL.load(dir, EngineOptions.defaults()
                .withModel(ModelOptions.defaults().withDtype(ComputeDType.FP32))
                .withBatching(new BatchingOptions(1, maxQueue, 256, 1, 6)));
    }

    static ChatRequest request(String question) {
        return ChatRequest.builder(question).generation(GenerationOptions.builder().maxNewTokens(3).build()).build();
    }

    /** A listener whose cancellation poll throws {@code error}. */
    static ChatListener broken(Error error) {
        return new ChatListener() {
            @Override
            public void onText(String delta) {
            }

            @Override
            public boolean cancelled() {
                throw error;
            }
        };
    }

    static CompletableFuture<ChatAnswer> inBackground(InternVL engine, ChatRequest request, ChatListener l) {
        return CompletableFuture.supplyAsync(() -> engine.chat(request, l), runnable -> new Thread(runnable).start());
    }

    @Test
    void aFaultInTheLoopFailsTheBatchAndTheEngineServesOn() throws Exception {
        try (InternVL engine = load(4)) {
            AssertionError bug = new AssertionError("bug in a listener");
            CompletableFuture<ChatAnswer> broken = inBackground(engine, request("Broken"), broken(bug));
            ExecutionException e = assertThrows(ExecutionException.class, () -> broken.get(1, TimeUnit.MINUTES));
            assertSame(bug, e.getCause());
            ChatAnswer after = engine.chat(request("After"));
            assertEquals(3, after.completionTokens());
            assertEquals(FinishReason.LENGTH, after.finishReason());
            assertNull(engine.stats().failure());
        }
    }

    @Test
    void aWorkerThatKeepsFailingGivesUpLoudlyInsteadOfHanging() throws Exception {
        try (InternVL engine = load(8)) {
            EngineHold hold = EngineHold.start(engine);
            List<CompletableFuture<ChatAnswer>> brokenOnes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                brokenOnes.add(inBackground(engine, request("Broken " + i), broken(new AssertionError("bug " + i))));
                while (engine.stats().waiting() < i + 1) {
                    Thread.sleep(5);
                }
            }
            CompletableFuture<ChatAnswer> waiting = inBackground(engine, request("Waiting"), delta -> { });
            while (engine.stats().waiting() < 4) {
                Thread.sleep(5);
            }
            hold.close(); // the three broken requests now fail the loop three times in a row

            for (CompletableFuture<ChatAnswer> f : brokenOnes) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.MINUTES));
                assertTrue(e.getCause() instanceof AssertionError, String.valueOf(e.getCause()));
            }
            ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(1, TimeUnit.MINUTES));
            assertTrue(e.getCause() instanceof EngineFailedException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("bug 2"), e.getCause().getMessage());
            EngineFailedException refused = assertThrows(EngineFailedException.class,
                    () -> engine.chat(request("Later")));
            assertTrue(refused.getMessage().contains("takes no more requests"), refused.getMessage());
            assertTrue(engine.stats().failure().contains("bug 2"), engine.stats().failure());
        }
    }
}
