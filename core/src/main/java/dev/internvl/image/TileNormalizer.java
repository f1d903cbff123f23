package dev.internvl.image;

/**
 * torchvision's {@code ToTensor()} followed by {@code Normalize(IMAGENET_MEAN, IMAGENET_STD)}, as InternVL's
 * {@code build_transform} applies them: for each 8-bit sample {@code v} of channel {@code c},
 * {@code (v / 255f - MEAN[c]) / STD[c]} in float32, in that order, with ImageNet's mean (0.485, 0.456, 0.406)
 * and standard deviation (0.229, 0.224, 0.225), so the values are bit-identical to torch's. The output is
 * channel-planar (CHW).
 */
public final class TileNormalizer {

    /** ImageNet channel means (R, G, B). */
    private static final float[] MEAN = {0.485f, 0.456f, 0.406f};

    /** ImageNet channel standard deviations (R, G, B). */
    private static final float[] STD = {0.229f, 0.224f, 0.225f};

    /** LOOKUP[c][v]: the normalized value of sample {@code v} in channel {@code c}. */
    private static final float[][] LOOKUP = new float[3][256];

    static {
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                LOOKUP[c][v] = ((float) v / 255f - MEAN[c]) / STD[c];
            }
        }
    }

    private TileNormalizer() {
    }

    /** Writes {@code image} as normalized CHW floats into {@code dst} from {@code offset} (3 * w * h values). */
    public static void normalizeInto(RgbImage image, float[] dst, int offset) {
        byte[] rgb = image.rgb();
        int plane = image.width() * image.height();
        if (offset < 0 || dst.length - offset < 3L * plane) {
            throw new IllegalArgumentException("destination too small for " + image + " at offset " + offset);
        }
        float[] r = LOOKUP[0];
        float[] g = LOOKUP[1];
        float[] b = LOOKUP[2];
        for (int i = 0, p = 0; i < plane; i++, p += 3) {
            dst[offset + i] = r[rgb[p] & 0xFF];
            dst[offset + plane + i] = g[rgb[p + 1] & 0xFF];
            dst[offset + 2 * plane + i] = b[rgb[p + 2] & 0xFF];
        }
    }
}
