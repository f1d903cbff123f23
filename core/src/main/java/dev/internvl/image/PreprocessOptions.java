package dev.internvl.image;

/**
 * Settings of InternVL's dynamic-resolution preprocessing: the tile edge {@code imageSize} (448 for all InternVL
 * 1.5 to 3 models), the tile-count range {@code minTiles..maxTiles} ({@code min_dynamic_patch},
 * {@code max_dynamic_patch}) and whether a downscaled whole-image thumbnail tile is appended
 * ({@code use_thumbnail}).
 */
public record PreprocessOptions(int imageSize, int minTiles, int maxTiles, boolean useThumbnail) {

    /** The shipped InternVL defaults: 448-pixel tiles, 1 to 12 of them, with a thumbnail. */
    public static final PreprocessOptions DEFAULT = new PreprocessOptions(448, 1, 12, true);

    /**
     * Requires a positive {@code imageSize} and
     * {@code 1 <= minTiles <= maxTiles <=} {@link DynamicTiling#MAX_TILES_LIMIT}.
     */
    public PreprocessOptions {
        if (imageSize <= 0) {
            throw new IllegalArgumentException("imageSize must be positive, got " + imageSize);
        }
        DynamicTiling.requireTileRange(minTiles, maxTiles);
    }

    /** These options with another {@code maxTiles} (and {@code minTiles} lowered to it if needed). */
    public PreprocessOptions withMaxTiles(int max) {
        return new PreprocessOptions(imageSize, Math.min(minTiles, max), max, useThumbnail);
    }
}
