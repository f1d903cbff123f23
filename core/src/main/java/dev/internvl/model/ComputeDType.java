package dev.internvl.model;

import dev.internvl.torch.ScalarType;
import java.util.Locale;

/**
 * The dtype the model computes in. bf16 is the default: the checkpoints are stored in it and, on CPUs with
 * AVX-512 BF16 and on GPUs, its matrix products are the fastest. fp32 is the reference for parity tests. fp16
 * is supported but slow on most CPUs.
 */
public enum ComputeDType {
    BF16(ScalarType.BFLOAT16), FP16(ScalarType.FLOAT16), FP32(ScalarType.FLOAT32);

    private final ScalarType scalarType;

    ComputeDType(ScalarType scalarType) {
        this.scalarType = scalarType;
    }

    /** The torch dtype. */
    public ScalarType scalarType() {
        return scalarType;
    }

    /** Parses {@code bf16}, {@code fp16}, {@code fp32} (also {@code bfloat16}, {@code float16}, {@code float32}). */
    public static ComputeDType parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "bf16", "bfloat16" -> BF16;
            case "fp16", "float16", "half" -> FP16;
            case "fp32", "float32", "float" -> FP32;
            default -> throw new IllegalArgumentException("unknown dtype '" + s + "' (use bf16, fp16 or fp32)");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
