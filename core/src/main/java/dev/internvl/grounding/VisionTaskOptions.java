package dev.internvl.grounding;

import dev.internvl.generate.GenerationOptions;

/**
 * Per-call settings of {@link VisionTasks}. Nulls fall back: tiles and thumbnail to the engine's settings,
 * generation to greedy decoding of up to 1024 tokens ({@link GenerationOptions#defaults()}).
 *
 * @param maxTiles   tiles per image at most (1..40), or null
 * @param thumbnail  whether multi-tile images get a thumbnail tile, or null
 * @param generation how to generate, or null; grounding tasks always decode with special tokens kept
 */
public record VisionTaskOptions(Integer maxTiles, Boolean thumbnail, GenerationOptions generation) {

    /** Everything from the engine, greedy decoding. */
    public static VisionTaskOptions defaults() {
        return new VisionTaskOptions(null, null, null);
    }

    public VisionTaskOptions withMaxTiles(Integer v) {
        return new VisionTaskOptions(v, thumbnail, generation);
    }

    public VisionTaskOptions withThumbnail(Boolean v) {
        return new VisionTaskOptions(maxTiles, v, generation);
    }

    public VisionTaskOptions withGeneration(GenerationOptions v) {
        return new VisionTaskOptions(maxTiles, thumbnail, v);
    }

    /** The generation options to use, with special tokens kept or skipped. */
    GenerationOptions generation(boolean skipSpecialTokens) {
        GenerationOptions base = generation != null ? generation : GenerationOptions.defaults();
        return base.skipSpecialTokens() == skipSpecialTokens ? base
                : base.toBuilder().skipSpecialTokens(skipSpecialTokens).build();
    }
}
