package dev.internvl.image;

/**
 * libjpeg's integer colour conversions ({@code jdcolor.c}, identical in libjpeg-turbo): YCbCr to RGB and YCCK to
 * CMYK, with 16-bit fixed-point factors, lookup tables and clamping, so the results match Pillow's decoder
 * exactly for the same decoded components.
 */
final class LibjpegColor {

    private static final int SCALE_BITS = 16;
    private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALE_BITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALE_BITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private LibjpegColor() {
    }

    /** Converts interleaved 3-component YCbCr samples to RGB, in place. */
    static void ycbcrToRgb(byte[] samples) {
        for (int p = 0; p < samples.length; p += 3) {
            int y = samples[p] & 0xFF;
            int cb = samples[p + 1] & 0xFF;
            int cr = samples[p + 2] & 0xFF;
            samples[p] = clamp(y + CR_R[cr]);
            samples[p + 1] = clamp(y + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS));
            samples[p + 2] = clamp(y + CB_B[cb]);
        }
    }

    /** Converts interleaved 4-component YCCK samples to CMYK, in place; K passes through. */
    static void ycckToCmyk(byte[] samples) {
        for (int p = 0; p < samples.length; p += 4) {
            int y = samples[p] & 0xFF;
            int cb = samples[p + 1] & 0xFF;
            int cr = samples[p + 2] & 0xFF;
            samples[p] = clamp(255 - (y + CR_R[cr]));
            samples[p + 1] = clamp(255 - (y + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS)));
            samples[p + 2] = clamp(255 - (y + CB_B[cb]));
        }
    }

    private static int fix(double x) {
        return (int) (x * (1L << SCALE_BITS) + 0.5);
    }

    private static byte clamp(int v) {
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}
