package dev.internvl.image;

import java.util.List;
import java.util.Objects;

/**
 * The result of InternVL preprocessing one image.
 *
 * @param originalWidth width of the decoded image
 * @param originalHeight height of the decoded image
 * @param grid the chosen tile grid
 * @param tiles the raw 8-bit tiles, each {@code imageSize x imageSize}: the grid tiles row by row, left to right,
 *        then the thumbnail when one was added
 * @param pixelValues the model input {@code pixel_values}: float32 {@code [numTiles, 3, imageSize, imageSize]},
 *        channel-planar per tile, ImageNet-normalized ({@link TileNormalizer})
 */
public record PreprocessedImage(int originalWidth, int originalHeight, TileGrid grid, List<RgbImage> tiles,
                                float[] pixelValues) {

    /** Checks that the tiles are square, equally sized and that {@code pixelValues} matches them. */
    public PreprocessedImage {
        Objects.requireNonNull(grid, "grid");
        Objects.requireNonNull(pixelValues, "pixelValues");
        tiles = List.copyOf(tiles);
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("a preprocessed image has at least one tile");
        }
        int size = tiles.get(0).width();
        for (RgbImage tile : tiles) {
            if (tile.width() != size || tile.height() != size) {
                throw new IllegalArgumentException("tiles must all be " + size + "x" + size + ", got " + tile);
            }
        }
        if (pixelValues.length != (long) tiles.size() * 3 * size * size) {
            throw new IllegalArgumentException("pixelValues must hold " + tiles.size() + "x3x" + size + "x" + size
                    + " floats, got " + pixelValues.length);
        }
    }

    /** The number of tiles, thumbnail included: the first dimension of {@link #pixelValues()}. */
    public int numTiles() {
        return tiles.size();
    }

    /** The tile edge in pixels. */
    public int imageSize() {
        return tiles.get(0).width();
    }

    /** The shape of {@link #pixelValues()}: {@code [numTiles, 3, imageSize, imageSize]}. */
    public long[] shape() {
        return new long[] {numTiles(), 3, imageSize(), imageSize()};
    }
}
