package dev.internvl.image;

/**
 * The fixed-point weights of one resampling direction, computed as Pillow 9.4's {@code precompute_coeffs} and
 * {@code normalize_coeffs_8bpc} compute them for its BICUBIC filter ({@code a = -0.5}, support 2).
 *
 * <p>For output position {@code i}, the input samples {@code first[i] .. first[i] + count[i] - 1} are weighted by
 * {@code weights[i * taps .. i * taps + count[i] - 1]}, each a 22-bit fixed-point number
 * ({@link #PRECISION_BITS}). When shrinking, the filter is stretched by the scale factor (antialiasing), so more
 * than four taps contribute.
 */
final class BicubicCoefficients {

    /** Pillow's {@code PRECISION_BITS}: 32 bits minus 8 for the sample minus 2 for overshoot. */
    static final int PRECISION_BITS = 32 - 8 - 2;

    private static final double SUPPORT = 2.0;
    private static final double A = -0.5;

    final int taps;
    final int[] first;
    final int[] count;
    final int[] weights;

    private BicubicCoefficients(int taps, int[] first, int[] count, int[] weights) {
        this.taps = taps;
        this.first = first;
        this.count = count;
        this.weights = weights;
    }

    /** Weights mapping {@code inSize} samples onto {@code outSize} over the whole input (box 0..inSize). */
    static BicubicCoefficients of(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[] weights = new int[outSize * taps];
        double[] k = new double[taps];
        double invFilterScale = 1.0 / filterScale;
        for (int out = 0; out < outSize; out++) {
            double center = (out + 0.5) * scale;
            // C casts truncate toward zero, as Java's do; both bounds are then clamped to the input.
            int min = Math.max((int) (center - support + 0.5), 0);
            int max = Math.min((int) (center + support + 0.5), inSize) - min;
            double sum = 0.0;
            for (int x = 0; x < max; x++) {
                double w = filter((x + min - center + 0.5) * invFilterScale);
                k[x] = w;
                sum += w;
            }
            for (int x = 0; x < max; x++) {
                double normalized = sum != 0.0 ? k[x] / sum : k[x];
                weights[out * taps + x] = toFixedPoint(normalized);
            }
            first[out] = min;
            count[out] = max;
        }
        return new BicubicCoefficients(taps, first, count, weights);
    }

    /** The cubic convolution kernel, evaluated with the same operation order as Pillow's {@code bicubic_filter}. */
    static double filter(double x) {
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((A + 2.0) * x - (A + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * A;
        }
        return 0.0;
    }

    /** Rounds half away from zero onto the 22-bit grid, as {@code normalize_coeffs_8bpc} does. */
    private static int toFixedPoint(double w) {
        double scaled = w * (1 << PRECISION_BITS);
        return (int) (w < 0 ? scaled - 0.5 : scaled + 0.5);
    }
}
