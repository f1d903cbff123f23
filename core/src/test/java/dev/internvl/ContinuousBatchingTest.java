package dev.internvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.image.ImageDecoder;
import dev.internvl.image.ImagePreprocessor;
import dev.internvl.image.RgbImage;
import dev.internvl.model.ComputeDType;
import dev.internvl.model.ModelOptions;
import dev.internvl.testing.EngineHold;
import dev.internvl.testing.TinyModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous batching on a tiny checkpoint (fp32, greedy): requests decoded together, joining and leaving the
 * running batch between steps, get exactly the tokens they get alone.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ContinuousBatchingTest {

    @TempDir
    static Path dir;

    /** 3 rows; beside running decodes, 5-token prefill chunks and 1 tile through 1 vision layer per step. */
    static InternVL engine;

    @BeforeAll
    static void load() {
        TinyModel.write(dir);
        engine = InternVL.load(dir, EngineOptions.defaults()
                .withModel(ModelOptions.defaults().withDtype(ComputeDType.FP32))
                .withBatching(new BatchingOptions(3, 16, 5, 1, 1)));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static GenerationOptions greedy(int maxNew) {
        return GenerationOptions.builder().maxNewTokens(maxNew).build();
    }

    /** Different prompts, images (none, 1 tile, 6 tiles + thumbnail) and lengths, so rows leave at different steps. */
    static List<ChatRequest> mix() {
        return List.of(
                ChatRequest.builder("Tell a long story.").generation(greedy(30)).build(),
                ChatRequest.builder("Describe the image.").image(InternVLEndToEndTest.picture(1)).maxTiles(6)
                        .generation(greedy(12)).build(),
                ChatRequest.builder("Hi").generation(greedy(4)).build(),
                ChatRequest.builder("What colour is the square?").image(InternVLEndToEndTest.picture(2)).maxTiles(1)
                        .generation(greedy(20)).build(),
                ChatRequest.builder("Count to ten.").generation(greedy(17)).build(),
                ChatRequest.builder("<image>\nAnd this one?").image(InternVLEndToEndTest.picture(3)).maxTiles(2)
                        .generation(greedy(9)).build());
    }

    /** Records which request each token came from, in the order the worker produced them. */
    static class Recorder implements ChatListener {
        final int id;
        final List<Integer> log;
        final List<Long> tokens = Collections.synchronizedList(new ArrayList<>());

        Recorder(int id, List<Integer> log) {
            this.id = id;
            this.log = log;
        }

        @Override
        public void onText(String delta) {
        }

        @Override
        public void onToken(long tokenId) {
            tokens.add(tokenId);
            log.add(id);
        }
    }

    @Test
    void concurrentRequestsGetTheTokensTheyGetAlone() throws Exception {
        List<ChatRequest> requests = mix();
        List<ChatAnswer> alone = requests.stream().map(engine::chat).toList();

        List<Integer> log = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger mostRunning = new AtomicInteger();
        AtomicInteger mostWaiting = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<ChatAnswer>> futures = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            int id = i;
            Recorder rec = new Recorder(id, log) {
                @Override
                public void onToken(long tokenId) {
                    super.onToken(tokenId);
                    // Requests with images make their tiles on their own threads when their turn comes, while the
                    // worker decodes the others; a tiny model decodes faster than a busy machine makes tiles, so
                    // each token yields the CPU for a moment, leaving the callers time to catch up and join.
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    EngineStats load = engine.stats();
                    mostRunning.accumulateAndGet(load.running(), Math::max);
                    mostWaiting.accumulateAndGet(load.waiting(), Math::max);
                }
            };
            futures.add(CompletableFuture.supplyAsync(() -> {
                await(go);
                return engine.chat(requests.get(id), rec);
            }, runnable -> new Thread(runnable).start()));
        }
        go.countDown();
        for (int i = 0; i < requests.size(); i++) {
            ChatAnswer r = futures.get(i).get(2, TimeUnit.MINUTES);
            assertArrayEquals(alone.get(i).tokenIds(), r.tokenIds(), "request " + i);
            assertEquals(alone.get(i).text(), r.text(), "request " + i);
            assertEquals(alone.get(i).finishReason(), r.finishReason(), "request " + i);
        }
        assertTrue(interleaved(log), "no two requests were decoded in the same steps: " + log);
        assertTrue(mostRunning.get() <= 3, "more rows than maxBatch ran: " + mostRunning.get());
        assertTrue(mostWaiting.get() >= 1 || mostRunning.get() == 3, "the batch never filled: " + log);
    }

    @Test
    void batchChatRowsGetTheTokensTheyGetAlone() {
        List<ChatRequest> requests = List.of(
                ChatRequest.builder("Describe the image.").image(InternVLEndToEndTest.picture(4)).maxTiles(6).build(),
                ChatRequest.builder("Hello there").build(),
                ChatRequest.builder("What is shown?").image(InternVLEndToEndTest.picture(5)).maxTiles(1).build(),
                ChatRequest.builder("One more question").build());
        List<ChatAnswer> batch = engine.batchChat(requests, greedy(10));
        for (int i = 0; i < requests.size(); i++) {
            ChatRequest r = requests.get(i);
            ChatRequest.Builder alone = ChatRequest.builder(r.question()).maxTiles(r.maxTiles()).generation(greedy(10));
            r.images().forEach(alone::image);
            assertArrayEquals(engine.chat(alone.build()).tokenIds(), batch.get(i).tokenIds(), "row " + i);
        }
    }

    @Test
    void aRequestJoiningARunningBatchDoesNotStallItAndBothMatchAlone() throws Exception {
        ChatRequest longText = ChatRequest.builder("Write a long answer.").generation(greedy(400)).build();
        ChatRequest image = ChatRequest.builder("Describe the image.").image(InternVLEndToEndTest.picture(6))
                .maxTiles(1).generation(greedy(8)).build();
        ChatAnswer aloneA = engine.chat(longText);
        ChatAnswer aloneB = engine.chat(image);
        assertEquals(FinishReason.LENGTH, aloneA.finishReason(), "the running request must outlast the join");

        List<Integer> log = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch fiveTokens = new CountDownLatch(1);
        AtomicInteger aTokensAtJoin = new AtomicInteger(-1);
        Recorder a = new Recorder(0, log) {
            @Override
            public void onToken(long tokenId) {
                super.onToken(tokenId);
                if (tokens.size() == 5) {
                    fiveTokens.countDown();
                }
            }
        };
        Recorder b = new Recorder(1, log);
        CompletableFuture<ChatAnswer> fa = CompletableFuture.supplyAsync(() -> engine.chat(longText, a),
                runnable -> new Thread(runnable).start());
        assertTrue(fiveTokens.await(1, TimeUnit.MINUTES));
        aTokensAtJoin.set(a.tokens.size());
        ChatAnswer rb = engine.chat(image, b);
        ChatAnswer ra = fa.get(1, TimeUnit.MINUTES);

        assertArrayEquals(aloneA.tokenIds(), ra.tokenIds());
        assertArrayEquals(aloneB.tokenIds(), rb.tokenIds());
        // the newcomer's tile (a layer per step) and its prompt (5-token chunks) were admitted between A's steps
        int firstB = log.indexOf(1);
        long aDuringAdmission = log.subList(0, firstB).stream().filter(x -> x == 0).count() - aTokensAtJoin.get();
        assertTrue(aDuringAdmission >= 7, "A made only " + aDuringAdmission + " tokens while B was admitted: " + log);
        assertTrue(log.lastIndexOf(0) > firstB, "B never decoded beside A: " + log);
    }

    @Test
    void cancellingOneRequestLeavesTheOthersUntouched() throws Exception {
        ChatRequest keep = ChatRequest.builder("Keep going.").generation(greedy(25)).build();
        ChatRequest stop = ChatRequest.builder("Stop soon.").generation(greedy(25)).build();
        ChatAnswer aloneKeep = engine.chat(keep);
        ChatAnswer aloneStop = engine.chat(stop);

        List<Integer> log = Collections.synchronizedList(new ArrayList<>());
        Recorder kept = new Recorder(0, log);
        Recorder cancelled = new Recorder(1, log) {
            @Override
            public boolean cancelled() {
                return tokens.size() >= 3;
            }
        };
        CountDownLatch go = new CountDownLatch(1);
        CompletableFuture<ChatAnswer> fk = CompletableFuture.supplyAsync(() -> {
            await(go);
            return engine.chat(keep, kept);
        }, runnable -> new Thread(runnable).start());
        CompletableFuture<ChatAnswer> fs = CompletableFuture.supplyAsync(() -> {
            await(go);
            return engine.chat(stop, cancelled);
        }, runnable -> new Thread(runnable).start());
        go.countDown();
        ChatAnswer rk = fk.get(1, TimeUnit.MINUTES);
        ChatAnswer rs = fs.get(1, TimeUnit.MINUTES);

        assertArrayEquals(aloneKeep.tokenIds(), rk.tokenIds());
        assertEquals(FinishReason.CANCELLED, rs.finishReason());
        assertEquals(3, rs.completionTokens());
        assertArrayEquals(Arrays.copyOf(aloneStop.tokenIds(), 3), rs.tokenIds(), "the kept part is the alone prefix");
    }

    @Test
    void interruptingAWaitingCallerCancelsItsRequestAndReturnsWhatWasGenerated() throws Exception {
        ChatRequest req = ChatRequest.builder("A long one.").generation(greedy(400)).build();
        CountDownLatch started = new CountDownLatch(1);
        Recorder rec = new Recorder(0, Collections.synchronizedList(new ArrayList<>())) {
            @Override
            public void onToken(long tokenId) {
                super.onToken(tokenId);
                started.countDown();
            }
        };
        CompletableFuture<ChatAnswer> result = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                result.complete(engine.chat(req, rec));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        caller.start();
        assertTrue(started.await(1, TimeUnit.MINUTES));
        caller.interrupt();
        ChatAnswer r = result.get(1, TimeUnit.MINUTES);
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertTrue(r.completionTokens() >= 1 && r.completionTokens() < 400, "tokens: " + r.completionTokens());
    }

    @Test
    void aFullQueueRefusesAtOnceAndAFailingListenerFailsOnlyItsRequest() throws Exception {
        try (InternVL small = InternVL.load(dir, EngineOptions.defaults()
                .withModel(ModelOptions.defaults().withDtype(ComputeDType.FP32))
                .withBatching(new BatchingOptions(1, 1, 256, 1, 6)))) {
            EngineHold first = EngineHold.start(small);
            ChatListener throwing = new ChatListener() {
                @Override
                public void onText(String delta) {
                }

                @Override
                public void onToken(long tokenId) {
                    throw new IllegalStateException("listener broke");
                }
            };
            CompletableFuture<ChatAnswer> second = CompletableFuture.supplyAsync(
                    () -> small.chat(ChatRequest.builder("Queued").generation(greedy(5)).build(), throwing),
                    runnable -> new Thread(runnable).start());
            while (small.stats().waiting() == 0) {
                Thread.sleep(5);
            }
            RejectedExecutionException full = assertThrows(RejectedExecutionException.class,
                    () -> small.chat(ChatRequest.builder("One too many").build()));
            assertTrue(full.getMessage().contains("busy"), full.getMessage());
            // the same refusal before any image is decoded
            RejectedExecutionException early = assertThrows(RejectedExecutionException.class,
                    () -> small.precheck(List.of(new ImageDecoder.Header("png", 8000, 8000)), null, null));
            assertEquals(full.getMessage(), early.getMessage());

            first.close();
            assertEquals(FinishReason.CANCELLED, first.result().get().finishReason());
            ExecutionException broke = assertThrows(ExecutionException.class, () -> second.get(1, TimeUnit.MINUTES));
            assertEquals("listener broke", broke.getCause().getMessage());
            // the engine still serves
            assertEquals(3, small.chat(ChatRequest.builder("After").generation(greedy(3)).build()).completionTokens());
        }
    }

    @Test
    void aWaitingRequestWhoseListenerCancelsLeavesTheQueueWhileTheBatchRuns() throws Exception {
        try (InternVL small = InternVL.load(dir, EngineOptions.defaults()
                .withModel(ModelOptions.defaults().withDtype(ComputeDType.FP32))
                .withBatching(new BatchingOptions(1, 1, 256, 1, 6)))) {
            EngineHold first = EngineHold.start(small);
            AtomicBoolean gone = new AtomicBoolean();
            ChatListener leaving = new ChatListener() {
                @Override
                public void onText(String delta) {
                }

                @Override
                public boolean cancelled() {
                    return gone.get();
                }
            };
            CompletableFuture<ChatAnswer> second = CompletableFuture.supplyAsync(
                    () -> small.chat(ChatRequest.builder("Queued").generation(greedy(5)).build(), leaving),
                    runnable -> new Thread(runnable).start());
            while (small.stats().waiting() == 0) {
                Thread.sleep(5);
            }
            gone.set(true);
            ChatAnswer r = second.get(1, TimeUnit.MINUTES);
            assertEquals(FinishReason.CANCELLED, r.finishReason());
            assertEquals(0, r.completionTokens());
            // it left while the holding request was still decoding, not when its turn came
            assertFalse(first.result().isDone());
            assertEquals(0, small.stats().waiting());
            first.close();
            assertEquals(FinishReason.CANCELLED, first.result().get(1, TimeUnit.MINUTES).finishReason());
        }
    }

    @Test
    void theImageTokensOfAnOversizedRequestAreCountedFromHeadersBeforeAnythingIsDecoded() {
        int perTile = engine.model().config().numImageTokens();
        int context = engine.model().config().llm().contextLength();
        ImageDecoder.Header big = new ImageDecoder.Header("png", 8000, 8000); // 6x6 grid at most 40: 36 + thumbnail
        int tiles = 37;
        int fit = (context - 1) / (tiles * perTile); // this many images leave room in the context
        assertTrue(fit >= 1, "fit " + fit);
        engine.precheck(java.util.Collections.nCopies(fit, big), 40, true);
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> engine.precheck(java.util.Collections.nCopies(fit + 1, big), 40, true));
        assertEquals(InvalidRequestException.CONTEXT_LENGTH_EXCEEDED, e.code());
        assertTrue(e.getMessage().contains("the images take " + (long) (fit + 1) * tiles * perTile + " tokens ("
                + (fit + 1) * tiles + " tiles of " + perTile + ")"), e.getMessage());
        // the request's tiling counts: without a thumbnail, one tile less each
        int noThumb = (context - 1) / ((tiles - 1) * perTile);
        engine.precheck(java.util.Collections.nCopies(noThumb, big), 40, false);
        assertThrows(InvalidRequestException.class,
                () -> engine.precheck(java.util.Collections.nCopies(noThumb + 1, big), 40, false));
        assertThrows(InvalidRequestException.class, () -> engine.precheck(List.of(big), 0, null)); // no tiles
    }

    @Test
    void onlyTheNextRequestInTheQueueHoldsItsTilesAndEveryAnswerIsTheOneItGetsAlone() throws Exception {
        RgbImage image = ImageDecoder.decode(TinyModel.png(64, 48, 1), "test.png");
        ChatRequest req = ChatRequest.builder("Describe the image.").image(image).generation(greedy(4)).build();
        try (InternVL small = InternVL.load(dir, EngineOptions.defaults()
                .withModel(ModelOptions.defaults().withDtype(ComputeDType.FP32))
                .withBatching(new BatchingOptions(1, 4, 256, 1, 6)))) {
            long oneRequest = 4L * new ImagePreprocessor(small.preprocessOptions()).preprocess(image).pixelValues()
                    .length;
            EngineHold first = EngineHold.start(small);
            List<CompletableFuture<ChatAnswer>> waiting = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                waiting.add(CompletableFuture.supplyAsync(() -> small.chat(req),
                        runnable -> new Thread(runnable).start()));
            }
            long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while ((small.stats().waiting() < 3 || small.stats().waitingPixelBytes() == 0) && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            Thread.sleep(300); // time enough for the others to make theirs, were they allowed to
            // the batch's one row is taken: only the request next in line has made its tiles
            assertEquals(oneRequest, small.stats().waitingPixelBytes());
            first.close();
            ChatAnswer alone = small.chat(req);
            for (CompletableFuture<ChatAnswer> f : waiting) {
                assertArrayEquals(alone.tokenIds(), f.get(1, TimeUnit.MINUTES).tokenIds());
            }
            assertEquals(0, small.stats().waitingPixelBytes());
        }
    }

    @Test
    void batchChatOfMoreQuestionsThanTheEngineTakesAtOnceWaitsForRoom() {
        List<ChatRequest> questions = List.of(ChatRequest.of("One"), ChatRequest.of("Two"), ChatRequest.of("Three"),
                ChatRequest.of("Four"), ChatRequest.of("Five"));
        try (InternVL small = InternVL.load(dir, EngineOptions.defaults()
                .withModel(ModelOptions.defaults().withDtype(ComputeDType.FP32))
                .withBatching(new BatchingOptions(1, 1, 256, 1, 6)))) {
            List<ChatAnswer> answers = small.batchChat(questions, greedy(6)); // 2 at a time fit
            for (int i = 0; i < questions.size(); i++) {
                ChatRequest alone = ChatRequest.builder(questions.get(i).question()).generation(greedy(6)).build();
                assertArrayEquals(engine.chat(alone).tokenIds(), answers.get(i).tokenIds(), "question " + i);
            }
        }
    }

    @Test
    void closingEndsRunningRequestsAsCancelledAndFailsWaitingOnes() throws Exception {
        InternVL closing = InternVL.load(dir, EngineOptions.defaults()
                .withModel(ModelOptions.defaults().withDtype(ComputeDType.FP32))
                .withBatching(new BatchingOptions(1, 4, 256, 1, 6)));
        EngineHold first = EngineHold.start(closing);
        CompletableFuture<ChatAnswer> waiting = CompletableFuture.supplyAsync(
                () -> closing.chat(ChatRequest.builder("Waiting").build()), runnable -> new Thread(runnable).start());
        while (closing.stats().waiting() == 0) {
            Thread.sleep(5);
        }
        closing.close();
        assertEquals(FinishReason.CANCELLED, first.result().get(1, TimeUnit.MINUTES).finishReason());
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(1, TimeUnit.MINUTES));
        assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
        assertThrows(IllegalStateException.class, () -> closing.chat(ChatRequest.builder("late").build()));
    }

    /** Whether some request produced a token between another one's first and last token. */
    static boolean interleaved(List<Integer> log) {
        for (int i = 0; i < log.size(); i++) {
            int id = log.get(i);
            int last = log.lastIndexOf(id);
            for (int k = i + 1; k < last; k++) {
                if (log.get(k) != id) {
                    return true;
                }
            }
        }
        return false;
    }

    static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
