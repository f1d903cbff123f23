package dev.internvl.generate;

import dev.internvl.BatchingOptions;
import dev.internvl.ChatListener;
import dev.internvl.EngineStats;
import dev.internvl.FinishReason;
import dev.internvl.GenerationOptions;
import dev.internvl.model.Decoder;
import dev.internvl.model.InternVLModel;
import dev.internvl.model.KvCache;
import dev.internvl.model.VisionEmbeddings;
import dev.internvl.model.VisionEncoding;
import dev.internvl.text.InternVLTokenizer;
import dev.internvl.torch.TorchThreads;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching: concurrent requests are decoded together, one token per sequence per step, and join or
 * leave the running batch between steps. Each sequence owns a row of one shared {@link KvCache} (its own length,
 * sampler and stop conditions), so a step runs every decoding sequence at once, however long each one is.
 *
 * <p>One worker thread owns the model. Between two decode steps it does one unit of admission work for the
 * oldest waiting request: a group of image tiles through a few vision encoder layers, or a chunk of its prompt
 * through the decoder ({@link BatchingOptions}); running sequences therefore wait at most one such unit for their
 * next token. With nothing decoding, a request's images are encoded in one go and its prompt prefilled chunk after
 * chunk without pause. Prompts always run in chunks of {@code prefillChunk} tokens, so prefill memory grows
 * linearly with the prompt. Requests beyond
 * {@code maxBatch} wait in a bounded FIFO queue; beyond {@code maxQueue} waiting ones, {@link #submit} refuses
 * at once. Listeners are called on the worker thread and must not block.
 *
 * <p>The worker is supervised: a fault in one request's work fails that request only; a fault outside it (a bug
 * in the loop, an {@link Error} thrown by a listener, memory exhausted while the cache grows) fails the requests
 * in the batch, whose state is then unknown, frees the cache and carries on with the queue. Only when the loop
 * fails {@value #MAX_CONSECUTIVE_FAILURES} times in a row without completing an iteration does the scheduler give
 * up: it fails the waiting requests, refuses new ones with {@link EngineFailedException} and reports the cause
 * in {@link EngineStats#failure()}. No request is ever left waiting on a worker that is gone.
 */
public final class BatchScheduler implements AutoCloseable {

    /** A submitted request: its result, and a way to end it early. */
    public static final class Submission {

        private final CompletableFuture<Completion> result = new CompletableFuture<>();
        private final CompletableFuture<Void> turn = new CompletableFuture<>();
        private final BatchScheduler owner;
        private volatile boolean cancelRequested;
        private Job job; // set once, before the submission is returned

        private Submission(BatchScheduler owner) {
            this.owner = owner;
            result.whenComplete((r, e) -> turn.complete(null)); // a request that ended has no turn to wait for
        }

        /**
         * For a request queued with {@link #submitPending}: waits until its turn is near (it is among the next
         * requests the engine will take), when its caller should make its tiles and hand them over with
         * {@link #providePixels}. False when there is nothing to provide: the request needs no pixels, or it has
         * ended already (cancelled, failed, engine closed), and {@link #await()} tells how. An interrupted wait
         * cancels the request.
         */
        public boolean awaitTurn() {
            if (job == null || !job.pixelsPending) {
                return false;
            }
            try {
                turn.get();
            } catch (InterruptedException e) {
                cancel();
                Thread.currentThread().interrupt();
                return false;
            } catch (java.util.concurrent.ExecutionException e) {
                return false;
            }
            return !result.isDone();
        }

        /** The tiles of a request queued with {@link #submitPending}, float32 [tiles,3,S,S] normalized. */
        public void providePixels(float[] pixels) {
            owner.providePixels(this, pixels);
        }

        /** Making the tiles failed: the request ends with {@code failure}. */
        public void failPixels(Throwable failure) {
            owner.failPending(this, failure);
        }

        /**
         * Ends the request at the next step; its result keeps the text generated so far and finishes with
         * {@link FinishReason#CANCELLED}.
         */
        public void cancel() {
            cancelRequested = true;
            owner.cancelQueued(this);
        }

        /**
         * Waits for the result. If the waiting thread is interrupted, the request is cancelled, the (partial)
         * result is still returned and the thread's interrupt flag is set again.
         *
         * @throws RuntimeException what ended the request (a bad input found late, an engine failure)
         */
        public Completion await() {
            try {
                return result.get();
            } catch (InterruptedException e) {
                cancel();
                Thread.currentThread().interrupt();
                return join();
            } catch (java.util.concurrent.ExecutionException e) {
                throw unwrap(e.getCause());
            }
        }

        private Completion join() {
            try {
                return result.join();
            } catch (CompletionException e) {
                throw unwrap(e.getCause());
            }
        }

        private static RuntimeException unwrap(Throwable t) {
            if (t instanceof RuntimeException r) {
                return r;
            }
            if (t instanceof Error e) {
                throw e;
            }
            return new IllegalStateException(t);
        }
    }

    private enum Stage { QUEUED, VISION, PREFILL, DECODE }

    /** A request and its progress; touched only by the worker once admitted. */
    private static final class Job {
        final long[] prompt;
        volatile float[] pixels; // dropped once encoded
        volatile boolean pixelsPending; // queued with submitPending, its tiles not made yet
        final int tiles;
        final ChatListener listener;
        final Submission submission;
        final Sequence seq;
        final int capacity;
        Stage stage = Stage.QUEUED;
        int slot = -1;
        int tilesDone;
        final List<VisionEmbeddings> visionParts = new ArrayList<>();
        VisionEncoding encoding; // tiles part-way through the vision encoder
        int encodingTiles;
        VisionEmbeddings images;
        int prefilled;
        int imageRowsUsed;
        long next;

        Job(long[] prompt, float[] pixels, int tiles, ChatListener listener, Submission submission,
                Sequence seq, int capacity) {
            this.prompt = prompt;
            this.pixels = pixels;
            this.tiles = tiles;
            this.listener = listener;
            this.submission = submission;
            this.seq = seq;
            this.capacity = capacity;
        }

        boolean cancelled() {
            return submission.cancelRequested || listener.cancelled();
        }

        void emit(String delta) {
            listener.onText(delta);
        }

        /** For ending a request: a failing listener must not keep its result from being delivered. */
        void emitSafely(String delta) {
            try {
                listener.onText(delta);
            } catch (RuntimeException ignored) {
                // the request ends anyway
            }
        }

        void releaseImages() {
            if (encoding != null) {
                encoding.close();
                encoding = null;
            }
            visionParts.forEach(VisionEmbeddings::close);
            visionParts.clear();
            if (images != null) {
                images.close();
                images = null;
            }
        }
    }

    private final InternVLModel model;
    private final Decoder decoder;
    private final InternVLTokenizer tokenizer;
    private final long imageTokenId;
    private final long padId;
    private final Set<Long> stopIds;
    private final BatchingOptions settings;
    private final int context;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final ArrayDeque<Job> queue = new ArrayDeque<>();   // guarded by lock
    private int occupied;                                       // slots in use, guarded by lock
    private boolean closed;                                     // guarded by lock
    private Throwable failure;                                  // why the worker gave up, guarded by lock
    private final Thread worker;
    private final int torchThreads;

    // worker-owned
    private final Job[] slots;
    private Job admitting;
    private KvCache cache;

    /**
     * @param tokenizer    decodes the streamed text; null for token ids only (benchmarks)
     * @param imageTokenId the {@code <IMG_CONTEXT>} id
     * @param padId        the id fed to rows that sit out a step
     * @param stopIds      ids that always end generation (template separator, eos ids)
     */
    public BatchScheduler(InternVLModel model, InternVLTokenizer tokenizer, long imageTokenId, long padId,
            Set<Long> stopIds, BatchingOptions settings) {
        this.model = model;
        this.decoder = model.decoder();
        this.tokenizer = tokenizer;
        this.imageTokenId = imageTokenId;
        this.padId = padId;
        this.stopIds = Set.copyOf(stopIds);
        this.settings = settings;
        this.context = decoder.config().contextLength();
        this.slots = new Job[settings.maxBatch()];
        this.torchThreads = TorchThreads.current(); // the worker computes with as many threads as the loader did
        this.worker = new Thread(this::work, "internvl-batch");
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Queues a request.
     *
     * @param prompt   token ids of the prompt, with {@code tiles × tokens-per-tile} {@code <IMG_CONTEXT>} ids
     * @param pixels   the tiles, float32 [tiles,3,S,S] normalized, or null without images
     * @param tiles    number of tiles in {@code pixels}
     * @param listener receives the text (row 0) on the worker thread; polled for cancellation before every step
     * @throws IllegalArgumentException    when the prompt does not fit the context or does not match the images
     * @throws RejectedExecutionException  when {@code maxQueue} requests are already waiting
     * @throws IllegalStateException       when the scheduler is closed
     */
    public Submission submit(long[] prompt, float[] pixels, int tiles, GenerationOptions options,
            ChatListener listener) {
        if ((tiles > 0) != (pixels != null)) {
            throw new IllegalArgumentException(tiles + " tiles but " + (pixels == null ? "no" : "some")
                    + " pixels");
        }
        if (pixels != null && pixels.length % tiles != 0) {
            throw new IllegalArgumentException(pixels.length + " pixel values do not split into " + tiles + " tiles");
        }
        return queue(prompt, pixels, false, tiles, options, listener);
    }

    /**
     * Queues a request whose {@code tiles} tiles are made later, by the caller, when its turn is near: the caller
     * waits with {@link Submission#awaitTurn()}, then hands them over with {@link Submission#providePixels} (or
     * reports failure with {@link Submission#failPixels}). Only the requests the engine will take next hold their
     * tiles, not the whole queue. The engine does not wait for one request's tiles: it decodes the others meanwhile.
     *
     * @throws IllegalArgumentException    when the prompt does not fit the context or does not match the tiles
     * @throws RejectedExecutionException  when {@code maxQueue} requests are already waiting
     * @throws IllegalStateException       when the scheduler is closed
     */
    public Submission submitPending(long[] prompt, int tiles, GenerationOptions options, ChatListener listener) {
        return queue(prompt, null, tiles > 0, tiles, options, listener);
    }

    private Submission queue(long[] prompt, float[] pixels, boolean pending, int tiles, GenerationOptions options,
            ChatListener listener) {
        int maxNew = Sequence.tokenBudget(prompt.length, context, options);
        long imageSlots = Arrays.stream(prompt).filter(id -> id == imageTokenId).count();
        long expected = (long) tiles * model.config().numImageTokens();
        if (imageSlots != expected) {
            throw new IllegalArgumentException("the prompt has " + imageSlots + " <IMG_CONTEXT> positions but "
                    + tiles + " tiles give " + expected);
        }
        Submission submission = new Submission(this);
        Sequence seq = new Sequence(prompt.length, maxNew, options, tokenizer, stopIds, List.of());
        Job job = new Job(prompt.clone(), pixels, tiles, listener, submission, seq, prompt.length + maxNew);
        job.pixelsPending = pending;
        submission.job = job;
        lock.lock();
        try {
            refuseUnlessRoom();
            queue.add(job);
            wake.signal();
        } finally {
            lock.unlock();
        }
        return submission;
    }

    private void providePixels(Submission s, float[] pixels) {
        Job j = s.job;
        if (j == null || !j.pixelsPending) {
            throw new IllegalStateException("the request was not queued waiting for its pixels");
        }
        if (pixels == null || pixels.length == 0 || pixels.length % j.tiles != 0) {
            throw new IllegalArgumentException((pixels == null ? 0 : pixels.length)
                    + " pixel values do not split into " + j.tiles + " tiles");
        }
        lock.lock();
        try {
            j.pixels = pixels;
            j.pixelsPending = false;
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    private void failPending(Submission s, Throwable failure) {
        lock.lock();
        try {
            queue.remove(s.job);
            wake.signal();
        } finally {
            lock.unlock();
        }
        s.result.completeExceptionally(failure);
    }

    /**
     * Tells the requests the engine takes next to make their tiles (under lock): as many as there are free rows, and
     * one more, so that the next one is ready when a row frees.
     */
    private void announceTurns() {
        int window = slots.length - occupied + 1;
        int k = 0;
        for (Job j : queue) {
            if (k++ >= window) {
                break;
            }
            j.submission.turn.complete(null);
        }
    }

    /**
     * Refuses as {@link #submit} would when the engine holds as many requests as it takes: the cheap check to make
     * before preparing a request (its images decoded and tiled). Room now may be gone at the submit.
     *
     * @throws RejectedExecutionException when it is full
     * @throws EngineFailedException      when the engine has failed
     * @throws IllegalStateException      when it is closed
     */
    public void checkRoom() {
        lock.lock();
        try {
            refuseUnlessRoom();
        } finally {
            lock.unlock();
        }
    }

    /** Tokens of the model's context: a prompt must leave room in it for one generated token. */
    public int contextLength() {
        return context;
    }

    private void refuseUnlessRoom() { // under lock
        if (failure != null) {
            throw new EngineFailedException("the engine failed and takes no more requests: " + describe(failure),
                    failure);
        }
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
        // Requests waiting for a free row count against the rows, not the queue: the engine holds maxBatch +
        // maxQueue requests in all.
        int free = settings.maxBatch() - occupied;
        if (queue.size() >= settings.maxQueue() + free) {
            throw new RejectedExecutionException("the engine is busy: " + (occupied + queue.size())
                    + " requests are running or waiting, as many as it holds (" + settings.maxBatch()
                    + " running and " + settings.maxQueue() + " waiting); try again later");
        }
    }

    public EngineStats load() {
        lock.lock();
        try {
            long pixelBytes = 0;
            for (Job j : queue) {
                float[] p = j.pixels;
                pixelBytes += p == null ? 0 : 4L * p.length;
            }
            return new EngineStats(occupied, queue.size(), failure == null ? null : describe(failure), pixelBytes);
        } finally {
            lock.unlock();
        }
    }

    private void cancelQueued(Submission s) {
        lock.lock();
        try {
            for (Job j : queue) {
                if (j.submission == s) {
                    queue.remove(j);
                    endWaiting(j);
                    return;
                }
            }
            wake.signal(); // a running one: the worker looks at it before its next step
        } finally {
            lock.unlock();
        }
    }

    // ---- the worker ----------------------------------------------------------------------------------------------

    /** Loop failures in a row after which the worker gives up (each one fails the requests in the batch). */
    static final int MAX_CONSECUTIVE_FAILURES = 3;

    private void work() {
        TorchThreads.use(torchThreads);
        int failuresInARow = 0;
        while (true) {
            try {
                if (!iteration()) {
                    break;
                }
                failuresInARow = 0;
            } catch (Throwable t) { // outside any one request's work: the batch's state is unknown
                failRunning(t);
                if (++failuresInARow >= MAX_CONSECUTIVE_FAILURES) {
                    giveUp(t);
                    return;
                }
            }
        }
        shutDown();
    }

    /** Admission work and a decode step; false once the scheduler is closed. */
    private boolean iteration() {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    return false;
                }
                announceTurns();
                if (occupied > 0 || (!queue.isEmpty() && !queue.peek().pixelsPending)) {
                    break;
                }
                if (queue.isEmpty()) {
                    releaseCache();
                }
                wake.awaitUninterruptibly(); // idle, or the next request is still making its tiles
            }
            if (admitting == null && !queue.isEmpty() && !queue.peek().pixelsPending && occupied < slots.length) {
                admitting = queue.poll();
                admitting.slot = freeSlot();
                slots[admitting.slot] = admitting;
                occupied++;
            }
        } finally {
            lock.unlock();
        }
        reapCancelled();
        boolean decoding = Arrays.stream(slots).anyMatch(j -> j != null && j.stage == Stage.DECODE);
        if (admitting != null) {
            admit(admitting, decoding);
        }
        if (Arrays.stream(slots).anyMatch(j -> j != null && j.stage == Stage.DECODE)) {
            decodeStep();
        }
        return true;
    }

    /** Fails every request holding a row and drops the cache, without trusting either. */
    private void failRunning(Throwable t) {
        admitting = null;
        for (Job j : slots) {
            if (j != null) {
                try {
                    j.releaseImages();
                } catch (Throwable ignored) {
                    // freed with the model at the latest
                }
            }
        }
        lock.lock();
        try {
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != null) {
                    slots[i].submission.result.completeExceptionally(t);
                    slots[i] = null;
                    occupied--;
                }
            }
        } finally {
            lock.unlock();
        }
        try {
            releaseCache();
        } catch (Throwable ignored) {
            cache = null;
        }
    }

    /** The worker stops for good: waiting requests fail, new ones are refused with the cause. */
    private void giveUp(Throwable t) {
        EngineFailedException e = new EngineFailedException("the engine failed before the request ran: "
                + describe(t), t);
        lock.lock();
        try {
            failure = t;
            closed = true;
            queue.forEach(j -> j.submission.result.completeExceptionally(e));
            queue.clear();
        } finally {
            lock.unlock();
        }
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": "
                + t.getMessage();
    }

    private int freeSlot() {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] == null) {
                return i;
            }
        }
        throw new IllegalStateException("no free slot");
    }

    private void reapCancelled() {
        reapCancelledQueued();
        for (Job j : slots) {
            if (j == null) {
                continue;
            }
            boolean cancelled;
            try {
                cancelled = j.cancelled();
            } catch (RuntimeException e) {
                fail(j, e);
                continue;
            }
            if (cancelled) {
                j.seq.cancel(j::emitSafely);
                finish(j);
            }
        }
    }

    /**
     * Waiting requests whose listener says cancelled (a client that went away, a time limit) leave the queue now,
     * not when their turn comes: their callers get the (empty) cancelled result at once.
     */
    private void reapCancelledQueued() {
        List<Job> gone = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
                Job j = it.next();
                boolean cancelled;
                try {
                    cancelled = j.cancelled();
                } catch (RuntimeException | Error e) {
                    // a poll that fails is answered where it always was: when the request holds a row
                    cancelled = false;
                }
                if (cancelled) {
                    it.remove();
                    gone.add(j);
                }
            }
        } finally {
            lock.unlock();
        }
        gone.forEach(BatchScheduler::endWaiting);
    }

    /** A request taken out of the queue before it ran: it ends cancelled, with no text. */
    private static void endWaiting(Job j) {
        j.seq.cancel(j::emitSafely);
        j.releaseImages();
        j.submission.result.complete(j.seq.result());
    }

    /** One unit of admission work (all of it when nothing is decoding). */
    private void admit(Job j, boolean decoding) {
        try {
            if (j.stage == Stage.QUEUED) {
                // rows grow by doubling (each growth copies the cache), capacity in steps of 256 positions
                int rows = cache == null ? 1 : cache.batch();
                while (rows <= j.slot) {
                    rows = Math.min(slots.length, 2 * rows);
                }
                int capacity = (j.capacity + 255) / 256 * 256;
                if (cache == null) {
                    cache = decoder.newCache(rows, capacity);
                } else {
                    cache.ensure(rows, capacity);
                }
                cache.clear(j.slot);
                j.stage = j.tiles > 0 ? Stage.VISION : Stage.PREFILL;
            }
            if (j.stage == Stage.VISION) {
                if (!encodeImages(j, decoding)) {
                    return;
                }
                j.pixels = null;
                j.images = j.visionParts.size() == 1 ? j.visionParts.get(0) : model.concat(j.visionParts);
                if (j.visionParts.size() > 1) {
                    j.visionParts.forEach(VisionEmbeddings::close);
                }
                j.visionParts.clear();
                j.stage = Stage.PREFILL;
                if (decoding) {
                    return;
                }
            }
            do {
                // Always in chunks: the attention mask and scores of a chunk are [chunk, length], so memory grows
                // linearly with the prompt (one piece would take [length, length]: 1.4 GB at 16k tokens).
                int n = Math.min(settings.prefillChunk(), j.prompt.length - j.prefilled);
                long[] chunk = Arrays.copyOfRange(j.prompt, j.prefilled, j.prefilled + n);
                int k = (int) Arrays.stream(chunk).filter(id -> id == imageTokenId).count();
                VisionEmbeddings part = k == 0 ? null
                        : k == j.images.rows() ? j.images : model.slice(j.images, j.imageRowsUsed, k);
                float[] logits;
                try {
                    logits = decoder.forward(new long[][] {chunk}, part, imageTokenId, cache, j.slot,
                            new boolean[] {true})[0];
                } finally {
                    if (part != null && part != j.images) {
                        part.close();
                    }
                }
                j.prefilled += n;
                j.imageRowsUsed += k;
                if (j.prefilled == j.prompt.length) {
                    j.releaseImages();
                    j.stage = Stage.DECODE;
                    admitting = null;
                    accept(j, logits);
                }
            } while (!decoding && j.stage == Stage.PREFILL);
        } catch (RuntimeException | Error e) {
            fail(j, e);
        }
    }

    /**
     * Vision work for {@code j}: with nothing decoding, all remaining tiles in one call (exactly as alone); else
     * {@code visionTilesPerStep} tiles through {@code visionLayersPerStep} layers. Returns whether every tile is
     * encoded.
     */
    private boolean encodeImages(Job j, boolean decoding) {
        int perTile = j.pixels.length / j.tiles;
        if (j.encoding == null) {
            int n = decoding ? Math.min(settings.visionTilesPerStep(), j.tiles - j.tilesDone) : j.tiles - j.tilesDone;
            float[] part = n == j.tiles ? j.pixels
                    : Arrays.copyOfRange(j.pixels, j.tilesDone * perTile, (j.tilesDone + n) * perTile);
            if (!decoding) {
                j.visionParts.add(model.encodeImages(part, n));
                j.tilesDone += n;
                return j.tilesDone == j.tiles;
            }
            j.encoding = model.startEncoding(part, n);
            j.encodingTiles = n;
        }
        j.encoding.advance(decoding ? settings.visionLayersPerStep() : Integer.MAX_VALUE);
        if (j.encoding.done()) {
            VisionEncoding e = j.encoding;
            j.encoding = null;
            j.visionParts.add(e.finish());
            j.tilesDone += j.encodingTiles;
        }
        return j.tilesDone == j.tiles;
    }

    /** An image token id that no token has. */
    private static final long NO_IMAGE = -1;

    /** One token for every decoding sequence; the others sit the step out. */
    private void decodeStep() {
        int n = 0;
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != null && slots[i].stage == Stage.DECODE) {
                n = i + 1;
            }
        }
        long[][] ids = new long[n][1];
        boolean[] live = new boolean[n];
        for (int r = 0; r < n; r++) {
            Job j = slots[r];
            live[r] = j != null && j.stage == Stage.DECODE;
            ids[r][0] = live[r] ? j.next : padId;
        }
        float[][] logits;
        try {
            // NO_IMAGE: a generated token is never an image position, even the <IMG_CONTEXT> id (a model can emit
            // it like any token; the reference's generate() then embeds it as an ordinary token)
            logits = decoder.forward(ids, null, NO_IMAGE, cache, 0, live);
        } catch (RuntimeException | Error e) {
            for (int r = 0; r < n; r++) {
                if (live[r]) {
                    fail(slots[r], e);
                }
            }
            return;
        }
        for (int r = 0; r < n; r++) {
            if (live[r]) {
                accept(slots[r], logits[r]);
            }
        }
    }

    private void accept(Job j, float[] logits) {
        try {
            j.next = j.seq.accept(logits, j::emit);
            j.listener.onToken(j.next);
            if (j.seq.finished()) {
                finish(j);
            }
        } catch (RuntimeException | Error e) {
            fail(j, e);
        }
    }

    private void finish(Job j) {
        free(j);
        j.submission.result.complete(j.seq.result());
    }

    private void fail(Job j, Throwable e) {
        free(j);
        j.submission.result.completeExceptionally(e);
    }

    private void free(Job j) {
        j.releaseImages();
        if (admitting == j) {
            admitting = null;
        }
        lock.lock();
        try {
            if (j.slot >= 0 && slots[j.slot] == j) {
                slots[j.slot] = null;
                occupied--;
                // a request can end (cancelled) as soon as it has a row, before the cache has grown to that row
                if (cache != null && j.slot < cache.batch()) {
                    cache.clear(j.slot);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private void releaseCache() {
        if (cache != null) {
            cache.close();
            cache = null;
        }
    }

    private void shutDown() {
        for (Job j : slots) {
            if (j != null) {
                j.seq.cancel(j::emitSafely);
                finish(j);
            }
        }
        failAll(new IllegalStateException("the engine was closed before the request ran"));
        releaseCache();
    }

    private void failAll(Throwable t) {
        for (Job j : slots) {
            if (j != null) {
                fail(j, t);
            }
        }
        lock.lock();
        try {
            queue.forEach(j -> j.submission.result.completeExceptionally(t));
            queue.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Stops taking requests, ends running ones as cancelled, fails waiting ones and frees the cache. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            wake.signal();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() != worker) {
            boolean interrupted = false;
            while (worker.isAlive()) {
                try {
                    worker.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
