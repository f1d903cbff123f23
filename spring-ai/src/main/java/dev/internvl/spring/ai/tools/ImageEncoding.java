package dev.internvl.spring.ai.tools;

import dev.internvl.image.RgbImage;
import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * {@link BufferedImage} copies of {@link RgbImage}s, which the box painter draws on, and back (PNG encoding is core's
 * {@link dev.internvl.image.ImageEncoder}).
 */
public final class ImageEncoding {

    private ImageEncoding() {
    }

    /** A {@link BufferedImage#TYPE_INT_RGB} copy of the pixels. */
    public static BufferedImage toBufferedImage(RgbImage image) {
        Objects.requireNonNull(image, "image");
        int w = image.width();
        int h = image.height();
        byte[] rgb = image.rgb();
        int[] pixels = new int[w * h];
        for (int i = 0, j = 0; i < pixels.length; i++, j += 3) {
            pixels[i] = (rgb[j] & 0xff) << 16 | (rgb[j + 1] & 0xff) << 8 | (rgb[j + 2] & 0xff);
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, pixels, 0, w);
        return out;
    }

    /** The pixels of a {@link BufferedImage#TYPE_INT_RGB} image. */
    static RgbImage fromIntRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] pixels = image.getRGB(0, 0, w, h, null, 0, w);
        byte[] rgb = new byte[pixels.length * 3];
        for (int i = 0, j = 0; i < pixels.length; i++, j += 3) {
            rgb[j] = (byte) (pixels[i] >> 16);
            rgb[j + 1] = (byte) (pixels[i] >> 8);
            rgb[j + 2] = (byte) pixels[i];
        }
        return new RgbImage(w, h, rgb);
    }
}
