package dev.internvl.image;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * InternVL's image preprocessing ({@code load_image} in the official model-card code) on an already decoded
 * image: choose a tile grid ({@link DynamicTiling}), resize the whole image to
 * {@code (imageSize * cols) x (imageSize * rows)} with Pillow's BICUBIC ({@link PillowResize}), cut it into tiles
 * row by row, append {@code resize(imageSize x imageSize)} of the original as a thumbnail when enabled and the grid
 * has more than one tile, then normalize every tile ({@link TileNormalizer}).
 *
 * <p>Given the same RGB pixels as Pillow, the tiles are byte-identical to the official code's and
 * {@code pixel_values} bit-identical. Instances are immutable and thread-safe.
 */
public final class ImagePreprocessor {

    private final PreprocessOptions options;

    /** A preprocessor with the given options. */
    public ImagePreprocessor(PreprocessOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The options in use. */
    public PreprocessOptions options() {
        return options;
    }

    /** Tiles and normalizes {@code image}. */
    public PreprocessedImage preprocess(RgbImage image) {
        Objects.requireNonNull(image, "image");
        int size = options.imageSize();
        TileGrid grid = DynamicTiling.chooseGrid(image.width(), image.height(), options.minTiles(),
                options.maxTiles(), size);
        RgbImage resized = PillowResize.resize(image, size * grid.cols(), size * grid.rows());
        List<RgbImage> tiles = new ArrayList<>(grid.tileCount() + 1);
        for (int row = 0; row < grid.rows(); row++) {
            for (int col = 0; col < grid.cols(); col++) {
                tiles.add(resized.crop(col * size, row * size, size, size));
            }
        }
        if (options.useThumbnail() && tiles.size() != 1) {
            tiles.add(PillowResize.resize(image, size, size));
        }
        int perTile = 3 * size * size;
        float[] pixelValues = new float[tiles.size() * perTile];
        for (int t = 0; t < tiles.size(); t++) {
            TileNormalizer.normalizeInto(tiles.get(t), pixelValues, t * perTile);
        }
        return new PreprocessedImage(image.width(), image.height(), grid, tiles, pixelValues);
    }
}
