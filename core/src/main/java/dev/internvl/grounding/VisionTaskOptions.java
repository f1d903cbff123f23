package dev.internvl.grounding;

import dev.internvl.ChatListener;
import dev.internvl.GenerationOptions;
import dev.internvl.InvalidOptionException;

/**
 * Per-call settings of {@link VisionTasks}. Nulls fall back: tiles and thumbnail to the engine's settings,
 * generation to greedy decoding of up to 1024 tokens ({@link GenerationOptions#defaults()}).
 *
 * @param maxTiles   tiles per image at most (1..40), or null
 * @param thumbnail  whether multi-tile images get a thumbnail tile, or null
 * @param generation how to generate, or null; grounding tasks always decode with special tokens kept
 * @param listener   what sees the answer's text as it is generated and may end it early
 *                   ({@link ChatListener#cancelled()}: a caller that went away, a time limit); null: none
 */
public record VisionTaskOptions(Integer maxTiles, Boolean thumbnail, GenerationOptions generation,
        ChatListener listener) {

    public VisionTaskOptions {
        InvalidOptionException.checkTiles("maxTiles", maxTiles);
        listener = listener == null ? ChatListener.SILENT : listener;
    }

    /** Options without a listener. */
    public VisionTaskOptions(Integer maxTiles, Boolean thumbnail, GenerationOptions generation) {
        this(maxTiles, thumbnail, generation, null);
    }

    /** Everything from the engine, greedy decoding. */
    public static VisionTaskOptions defaults() {
        return new VisionTaskOptions(null, null, null, null);
    }

    public VisionTaskOptions withMaxTiles(Integer v) {
        return new VisionTaskOptions(v, thumbnail, generation, listener);
    }

    public VisionTaskOptions withThumbnail(Boolean v) {
        return new VisionTaskOptions(maxTiles, v, generation, listener);
    }

    public VisionTaskOptions withGeneration(GenerationOptions v) {
        return new VisionTaskOptions(maxTiles, thumbnail, v, listener);
    }

    /**
     * These options with {@code v} seeing the text and polled for cancellation; a cancelled task returns what was
     * generated until then (for grounding: the boxes complete by then).
     */
    public VisionTaskOptions withListener(ChatListener v) {
        return new VisionTaskOptions(maxTiles, thumbnail, generation, v);
    }

    /** The generation options to use, with special tokens kept or skipped. */
    GenerationOptions generation(boolean skipSpecialTokens) {
        GenerationOptions base = generation != null ? generation : GenerationOptions.defaults();
        return base.skipSpecialTokens() == skipSpecialTokens ? base
                : base.toBuilder().skipSpecialTokens(skipSpecialTokens).build();
    }
}
