package dev.internvl.image;

/**
 * Resizes RGB images exactly as Pillow 9.4's {@code Image.resize(size)} does for mode {@code RGB} with its default
 * filter, BICUBIC ({@code libImaging/Resample.c}): the output is byte-identical to Pillow's.
 *
 * <p>The resize is separable. Pillow first works out which input rows the vertical pass needs, resamples only
 * those rows horizontally into an 8-bit intermediate image (rounded and clipped), then resamples that vertically.
 * A pass whose dimension does not change is skipped; when neither changes the pixels are copied. Weights are
 * 22-bit fixed point ({@link BicubicCoefficients}); each sum starts at one half and is shifted and clipped to
 * 0..255. All arithmetic is integer, so the result does not depend on the JVM or the CPU.
 */
public final class PillowResize {

    private static final int HALF = 1 << (BicubicCoefficients.PRECISION_BITS - 1);

    private PillowResize() {
    }

    /**
     * Resizes {@code src} to {@code width x height} with Pillow's BICUBIC filter.
     *
     * @throws IllegalArgumentException if a target dimension is not positive
     */
    public static RgbImage resize(RgbImage src, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        boolean horizontal = width != src.width();
        boolean vertical = height != src.height();
        if (!horizontal && !vertical) {
            return new RgbImage(width, height, src.rgb().clone());
        }
        BicubicCoefficients vert = BicubicCoefficients.of(src.height(), height);
        RgbImage current = src;
        int rowOffset = 0;
        if (horizontal) {
            int firstRow = vert.first[0];
            int lastRow = vert.first[height - 1] + vert.count[height - 1];
            current = horizontalPass(src, width, firstRow, lastRow - firstRow);
            rowOffset = firstRow;
        }
        if (vertical) {
            current = verticalPass(current, height, vert, rowOffset);
        }
        return current;
    }

    /** Resamples rows {@code firstRow .. firstRow + rows - 1} of {@code src} to {@code width} columns. */
    private static RgbImage horizontalPass(RgbImage src, int width, int firstRow, int rows) {
        BicubicCoefficients c = BicubicCoefficients.of(src.width(), width);
        byte[] in = src.rgb();
        byte[] out = new byte[width * rows * 3];
        int inStride = src.width() * 3;
        for (int y = 0; y < rows; y++) {
            int rowStart = (firstRow + y) * inStride;
            int o = y * width * 3;
            for (int x = 0; x < width; x++) {
                int kBase = x * c.taps;
                int p = rowStart + c.first[x] * 3;
                int r = HALF;
                int g = HALF;
                int b = HALF;
                for (int t = 0, n = c.count[x]; t < n; t++, p += 3) {
                    int w = c.weights[kBase + t];
                    r += (in[p] & 0xFF) * w;
                    g += (in[p + 1] & 0xFF) * w;
                    b += (in[p + 2] & 0xFF) * w;
                }
                out[o++] = clip(r);
                out[o++] = clip(g);
                out[o++] = clip(b);
            }
        }
        return new RgbImage(width, rows, out);
    }

    /** Resamples {@code src} to {@code height} rows; the weights' row indices are shifted down by {@code rowOffset}. */
    private static RgbImage verticalPass(RgbImage src, int height, BicubicCoefficients c, int rowOffset) {
        byte[] in = src.rgb();
        int stride = src.width() * 3;
        byte[] out = new byte[stride * height];
        int[] acc = new int[stride];
        for (int y = 0; y < height; y++) {
            java.util.Arrays.fill(acc, HALF);
            int kBase = y * c.taps;
            int row = c.first[y] - rowOffset;
            for (int t = 0, n = c.count[y]; t < n; t++, row++) {
                int w = c.weights[kBase + t];
                int p = row * stride;
                for (int i = 0; i < stride; i++) {
                    acc[i] += (in[p + i] & 0xFF) * w;
                }
            }
            int o = y * stride;
            for (int i = 0; i < stride; i++) {
                out[o + i] = clip(acc[i]);
            }
        }
        return new RgbImage(src.width(), height, out);
    }

    /** Pillow's {@code clip8}: drop the fraction bits, clamp to 0..255. */
    private static byte clip(int sum) {
        int v = sum >> BicubicCoefficients.PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}
