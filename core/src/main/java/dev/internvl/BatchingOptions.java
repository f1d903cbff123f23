package dev.internvl;

/**
 * How concurrent requests share the model (see {@link BatchScheduler}).
 *
 * @param maxBatch           sequences decoded together in one step; more wait in the queue
 * @param maxQueue           requests that may wait for a place in the batch; a request beyond is refused at once
 * @param prefillChunk       prompt tokens run in one call: a long prompt delays the next token of the sequences
 *                           decoding beside it by one chunk at most, and its attention workspace is
 *                           [chunk, prompt length], so prefill memory grows linearly with the prompt
 * @param visionTilesPerStep  image tiles encoded together while other sequences are decoding
 * @param visionLayersPerStep vision encoder layers those tiles go through per step while other sequences are
 *                            decoding (an InternViT-300M tile costs about 2 s for 24 layers on 2 CPU cores)
 */
public record BatchingOptions(int maxBatch, int maxQueue, int prefillChunk, int visionTilesPerStep,
        int visionLayersPerStep) {

    public BatchingOptions {
        InvalidOptionException.checkRange("maxBatch", maxBatch, 1, 256);
        InvalidOptionException.checkRange("maxQueue", maxQueue, 0, Integer.MAX_VALUE);
        InvalidOptionException.checkRange("prefillChunk", prefillChunk, 1, Integer.MAX_VALUE);
        InvalidOptionException.checkRange("visionTilesPerStep", visionTilesPerStep, 1, Integer.MAX_VALUE);
        InvalidOptionException.checkRange("visionLayersPerStep", visionLayersPerStep, 1, Integer.MAX_VALUE);
    }

    /**
     * 8 sequences per step, 64 waiting; beside running decodes, 256-token prefill chunks and 1 tile through 6 vision
     * layers per step.
     */
    public static BatchingOptions defaults() {
        return new BatchingOptions(8, 64, 256, 1, 6);
    }
}
