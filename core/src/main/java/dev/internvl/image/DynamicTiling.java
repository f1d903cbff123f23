package dev.internvl.image;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * InternVL's choice of tile grid ({@code dynamic_preprocess} and {@code find_closest_aspect_ratio} in the official
 * model-card code), reproduced decision for decision, exact ties included.
 *
 * <p>The candidates are the grids {@code (cols, rows)} with {@code minTiles <= cols * rows <= maxTiles}, in the order
 * the official code visits them: its set comprehension's iteration order ({@link PythonSetOrder}), stably sorted by
 * tile count. The closest aspect ratio {@code cols / rows} to {@code width / height} wins; on an exact tie
 * (equal {@code double} differences) a later candidate replaces the current one only when the image area exceeds
 * half the candidate's area in pixels, {@code width * height > 0.5 * imageSize^2 * cols * rows}.
 */
public final class DynamicTiling {

    /** The largest {@code maxTiles} accepted; the official configurations use 6 to 12, some tools up to 40. */
    public static final int MAX_TILES_LIMIT = 40;

    private DynamicTiling() {
    }

    /**
     * The grid InternVL would tile a {@code width x height} image into.
     *
     * @throws IllegalArgumentException if a size is not positive or not
     *         {@code 1 <= minTiles <= maxTiles <=} {@link #MAX_TILES_LIMIT}
     */
    public static TileGrid chooseGrid(int width, int height, int minTiles, int maxTiles, int imageSize) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (imageSize <= 0) {
            throw new IllegalArgumentException("imageSize must be positive, got " + imageSize);
        }
        double aspect = (double) width / height;
        long area = (long) width * height;
        TileGrid best = new TileGrid(1, 1);
        double bestDiff = Double.POSITIVE_INFINITY;
        for (TileGrid candidate : candidateGrids(minTiles, maxTiles)) {
            double diff = Math.abs(aspect - (double) candidate.cols() / candidate.rows());
            if (diff < bestDiff) {
                bestDiff = diff;
                best = candidate;
            } else if (diff == bestDiff
                    && area > 0.5 * imageSize * imageSize * candidate.cols() * candidate.rows()) {
                best = candidate;
            }
        }
        return best;
    }

    /**
     * The tiling's own invariant (callers check what a user gives, see {@code InvalidOptionException#checkTiles}).
     *
     * @throws IllegalArgumentException unless {@code 1 <= minTiles <= maxTiles <=} {@link #MAX_TILES_LIMIT}
     */
    static void requireTileRange(int minTiles, int maxTiles) {
        if (minTiles < 1 || maxTiles < minTiles || maxTiles > MAX_TILES_LIMIT) {
            throw new IllegalArgumentException("tile counts must satisfy 1 <= minTiles <= maxTiles <= "
                    + MAX_TILES_LIMIT + ", got minTiles=" + minTiles + ", maxTiles=" + maxTiles);
        }
    }

    /**
     * The candidate grids in the order the official code examines them (its {@code target_ratios}).
     *
     * @throws IllegalArgumentException unless {@code 1 <= minTiles <= maxTiles <=} {@link #MAX_TILES_LIMIT}
     */
    public static List<TileGrid> candidateGrids(int minTiles, int maxTiles) {
        requireTileRange(minTiles, maxTiles);
        // The comprehension: for n in range(min, max + 1) for i in range(1, n + 1) for j in range(1, n + 1)
        // if min <= i * j <= max.
        List<int[]> generated = new ArrayList<>();
        for (int n = minTiles; n <= maxTiles; n++) {
            for (int i = 1; i <= n; i++) {
                for (int j = 1; j <= n; j++) {
                    if (i * j >= minTiles && i * j <= maxTiles) {
                        generated.add(new int[] {i, j});
                    }
                }
            }
        }
        List<TileGrid> grids = new ArrayList<>();
        for (int[] pair : PythonSetOrder.iterationOrder(generated)) {
            grids.add(new TileGrid(pair[0], pair[1]));
        }
        grids.sort(Comparator.comparingInt(TileGrid::tileCount)); // List.sort is stable, like Python's sorted
        return grids;
    }
}
