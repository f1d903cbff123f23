package dev.internvl.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * An 8-bit RGB image: {@code rgb} holds {@code width * height * 3} bytes, row-major, channels interleaved
 * (R, G, B), the layout of Pillow's {@code Image.tobytes()} for mode {@code RGB}.
 *
 * <p>The array is not copied: callers that keep writing to it must copy it first. Equality compares pixels.
 */
public record RgbImage(int width, int height, byte[] rgb) {

    /** Validates the size and that the array holds exactly {@code width * height * 3} bytes. */
    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("an RGB image of " + width + "x" + height + " needs "
                    + (long) width * height * 3 + " bytes, got " + rgb.length);
        }
    }

    /** Copies the {@code w x h} rectangle whose top-left corner is ({@code x}, {@code y}); it must lie inside. */
    public RgbImage crop(int x, int y, int w, int h) {
        if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > width || y + h > height) {
            throw new IllegalArgumentException("crop box (" + x + ", " + y + ", " + w + "x" + h
                    + ") is not inside the " + width + "x" + height + " image");
        }
        byte[] out = new byte[w * h * 3];
        for (int row = 0; row < h; row++) {
            System.arraycopy(rgb, ((y + row) * width + x) * 3, out, row * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other && width == other.width && height == other.height
                && Arrays.equals(rgb, other.rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
