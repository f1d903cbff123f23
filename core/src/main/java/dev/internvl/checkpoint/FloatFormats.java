package dev.internvl.checkpoint;

/** Exact conversions between float32 and the 16-bit formats (round to nearest even), for Java 17. */
public final class FloatFormats {

    private FloatFormats() {
    }

    /** float32 to bfloat16 bits. */
    public static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** bfloat16 bits to float32. */
    public static float fromBf16(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** float32 to IEEE half bits. */
    public static short toF16(float v) {
        int sign = (Float.floatToRawIntBits(v) >>> 16) & 0x8000;
        float a = Math.abs(v);
        if (Float.isNaN(v)) {
            return (short) (sign | 0x7e00);
        }
        if (a >= 65520f) {
            return (short) (sign | 0x7c00);
        }
        if (a < 0x1p-14f) { // subnormal; a rounded-up 1024 is the smallest normal's encoding
            return (short) (sign | (int) Math.rint(a * 0x1p24));
        }
        int e = Math.getExponent(a);
        int m = (int) Math.rint((a / Math.scalb(1.0, e) - 1.0) * 1024);
        if (m == 1024) {
            m = 0;
            e++;
        }
        return (short) (sign | ((e + 15) << 10) | m);
    }

    /** IEEE half bits to float32. */
    public static float fromF16(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) != 0 ? -1 : 1;
        int e = (h >>> 10) & 0x1f;
        int m = h & 0x3ff;
        if (e == 0) {
            return sign * m * 0x1p-24f;
        }
        if (e == 31) {
            return m == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        return sign * Math.scalb(1f + m / 1024f, e - 15);
    }
}
