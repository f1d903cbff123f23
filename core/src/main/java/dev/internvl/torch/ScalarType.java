package dev.internvl.torch;

/**
 * The torch dtypes the engine uses, with their {@code c10::ScalarType} codes (how TorchScript passes a dtype).
 * The kernel sources name them as {@code $FLOAT32}, {@code $BFLOAT16}, ... (see {@link KernelLayout}).
 */
public enum ScalarType {
    UINT8(0), INT8(1), INT32(3), INT64(4), FLOAT16(5), FLOAT32(6), FLOAT64(7), BOOL(11), BFLOAT16(15);

    private final int code;

    ScalarType(int code) {
        this.code = code;
    }

    /** The {@code c10::ScalarType} code. */
    public int code() {
        return code;
    }

    /** The type of a {@code c10::ScalarType} code, or null for one the engine does not use. */
    public static ScalarType of(int code) {
        for (ScalarType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
