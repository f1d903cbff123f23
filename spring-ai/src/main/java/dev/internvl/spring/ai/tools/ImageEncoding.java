package dev.internvl.spring.ai.tools;

import dev.internvl.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Objects;
import javax.imageio.ImageIO;

/** PNG encoding of {@link RgbImage}s, for showing stored images (for example the result of {@code draw_boxes}). */
public final class ImageEncoding {

    private ImageEncoding() {
    }

    /** The image as PNG bytes. */
    public static byte[] png(RgbImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(toBufferedImage(image), "png", out)) {
                throw new IllegalStateException("no PNG writer in this JVM");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode PNG", e);
        }
        return out.toByteArray();
    }

    /** The image as a {@code data:image/png;base64,...} URI. */
    public static String pngDataUri(RgbImage image) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png(image));
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
