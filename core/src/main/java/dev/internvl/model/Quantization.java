package dev.internvl.model;

import java.util.Locale;

/**
 * Weight-only quantization of the decoder, applied at load from the checkpoint's 16- or 32-bit weights.
 * Activations stay in the compute dtype. The vision encoder is not quantized (4-bit InternViT-6B is known to produce
 * nonsense).
 *
 * <ul>
 *   <li>{@code int8}: symmetric, one scale per output row; the embedding is int8 rows too, shared with a tied head.
 *       libtorch's {@code _weight_int8pack_mm} on CPU; dequantized on the fly on CUDA.</li>
 *   <li>{@code int4}: asymmetric, one scale and zero per group of {@code groupSize} input columns (32, 64, 128 or
 *       256), libtorch's packed int4 matrix kernels; the embedding is int8 rows for lookups, the head int4.</li>
 * </ul>
 *
 * @param bits      16 for none, 8 or 4
 * @param groupSize int4 group size (ignored otherwise)
 */
public record Quantization(int bits, int groupSize) {

    public static final Quantization NONE = new Quantization(16, 0);
    public static final Quantization INT8 = new Quantization(8, 0);

    public Quantization {
        if (bits != 16 && bits != 8 && bits != 4) {
            throw new IllegalArgumentException("quantization bits must be 16 (none), 8 or 4, got " + bits);
        }
        if (bits == 4 && groupSize != 32 && groupSize != 64 && groupSize != 128 && groupSize != 256) {
            throw new IllegalArgumentException("int4 group size must be 32, 64, 128 or 256, got " + groupSize);
        }
    }

    /** int4 with groups of {@code groupSize} input columns. */
    public static Quantization int4(int groupSize) {
        return new Quantization(4, groupSize);
    }

    /** Parses {@code none}, {@code int8}, {@code int4} (group 64) or {@code int4:128}. */
    public static Quantization parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        if (v.equals("none")) {
            return NONE;
        }
        if (v.equals("int8")) {
            return INT8;
        }
        if (v.equals("int4")) {
            return int4(64);
        }
        if (v.startsWith("int4:")) {
            try {
                return int4(Integer.parseInt(v.substring(5)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("int4 group size '" + v.substring(5) + "' is not a number");
            }
        }
        throw new IllegalArgumentException("unknown quantization '" + s + "' (use none, int8, int4 or int4:GROUP)");
    }

    public boolean enabled() {
        return bits < 16;
    }

    @Override
    public String toString() {
        return bits == 16 ? "none" : bits == 8 ? "int8" : "int4:" + groupSize;
    }
}
