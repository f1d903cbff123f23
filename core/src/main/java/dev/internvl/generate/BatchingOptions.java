package dev.internvl.generate;

/**
 * How concurrent requests share the model (see {@link BatchScheduler}).
 *
 * @param maxBatch           sequences decoded together in one step; more wait in the queue
 * @param maxQueue           requests that may wait for a place in the batch; a request beyond is refused at once
 * @param prefillChunk       prompt tokens run in one call while other sequences are decoding, so that a long
 *                           prompt delays their next token by one chunk at most (a prompt with nobody else
 *                           decoding runs in one call)
 * @param visionTilesPerStep image tiles encoded in one call while other sequences are decoding (likewise)
 */
public record BatchingOptions(int maxBatch, int maxQueue, int prefillChunk, int visionTilesPerStep) {

    public BatchingOptions {
        if (maxBatch < 1 || maxBatch > 256) {
            throw new IllegalArgumentException("maxBatch must be 1..256, got " + maxBatch);
        }
        if (maxQueue < 0) {
            throw new IllegalArgumentException("maxQueue must be >= 0, got " + maxQueue);
        }
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefillChunk must be at least 1 token, got " + prefillChunk);
        }
        if (visionTilesPerStep < 1) {
            throw new IllegalArgumentException("visionTilesPerStep must be at least 1, got " + visionTilesPerStep);
        }
    }

    /** 8 sequences per step, 64 waiting, 256-token prefill chunks and 1 tile per step beside running decodes. */
    public static BatchingOptions defaults() {
        return new BatchingOptions(8, 64, 256, 1);
    }
}
