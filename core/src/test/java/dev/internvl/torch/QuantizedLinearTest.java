package dev.internvl.torch;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The quantized matrix kernels compute exactly the documented formulas: the packed int8/int4 weights times x equal
 * x times the dequantized matrix, recomputed here independently in Java (double precision), for decode (3 rows) and
 * prefill (80 rows: int8 is dequantized on the fly from 64 rows on), with 48 and 128 output rows (libtorch packs
 * int4 in blocks of 64 rows and the rest apart).
 */
class QuantizedLinearTest {

    static TorchKernels kernels;
    static final int K = 128;
    static final int[] ROWS = {3, 80};
    static final int[] OUTPUTS = {48, 128};
    static float[] w = new float[128 * K];
    static float[] x = new float[80 * K];

    @BeforeAll
    static void load() {
        kernels = TorchKernels.load();
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.1f;
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
    }

    @AfterAll
    static void close() {
        kernels.close();
    }

    /** x[0..m) times the dequantized [n,K] matrix, in double precision. */
    static float[] run(float[] dequantized, int m, int n) {
        float[] y = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < K; k++) {
                    s += (double) x[i * K + k] * dequantized[j * K + k];
                }
                y[i * n + j] = (float) s;
            }
        }
        return y;
    }

    /** qlinear of x[0..m) with the first n rows of w, quantized by {@code quantize}. */
    static float[] kernel(int m, int n, String quantize, Object... extra) {
        try (PtNDArray wt = (PtNDArray) kernels.manager().create(java.util.Arrays.copyOf(w, n * K), new Shape(n, K));
                PtNDArray xt = (PtNDArray) kernels.manager().create(java.util.Arrays.copyOf(x, m * K), new Shape(m, K));
                PtNDArray none = (PtNDArray) kernels.manager().create(new float[0], new Shape(0))) {
            Object[] args = new Object[1 + extra.length];
            args[0] = wt;
            System.arraycopy(extra, 0, args, 1, extra.length);
            try (IValue q = kernels.call(quantize, args)) {
                IValue[] parts = q.toIValueArray();
                long group = extra.length > 0 ? (Long) extra[0] : 0L;
                try (IValue y = kernels.call("qlinear", xt, parts[0], parts[1], none, group)) {
                    return y.toTensor(kernels.manager()).toFloatArray();
                } finally {
                    for (IValue p : parts) {
                        p.close();
                    }
                }
            }
        }
    }

    static float maxDiff(float[] a, float[] b) {
        float d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void int8IsSymmetricPerRow() {
        for (int n : OUTPUTS) {
            float[] deq = new float[n * K];
            for (int j = 0; j < n; j++) {
                double amax = 0;
                for (int k = 0; k < K; k++) {
                    amax = Math.max(amax, Math.abs(w[j * K + k]));
                }
                float scale = (float) (Math.max(amax, 1e-8) / 127.0);
                for (int k = 0; k < K; k++) {
                    float q = Math.max(-128, Math.min(127, Math.round(w[j * K + k] / scale)));
                    deq[j * K + k] = q * scale;
                }
            }
            for (int m : ROWS) {
                float d = maxDiff(kernel(m, n, "quantize_int8"), run(deq, m, n));
                assertTrue(d < 1e-4, "int8, " + m + " rows: differs from the dequantized product by " + d);
            }
        }
    }

    @Test
    void int4IsAsymmetricPerGroup() {
        for (int n : OUTPUTS) {
            for (int group : new int[] {32, 64, 128}) {
                float[] deq = new float[n * K];
                for (int j = 0; j < n; j++) {
                    for (int g0 = 0; g0 < K; g0 += group) {
                        float lo = Float.MAX_VALUE;
                        float hi = -Float.MAX_VALUE;
                        for (int k = g0; k < g0 + group; k++) {
                            lo = Math.min(lo, w[j * K + k]);
                            hi = Math.max(hi, w[j * K + k]);
                        }
                        float scale = Math.max((hi - lo) / 15.0f, 1e-6f);
                        float zero = lo + scale * 8.0f;
                        for (int k = g0; k < g0 + group; k++) {
                            float q = Math.max(0, Math.min(15, Math.round((w[j * K + k] - lo) / scale)));
                            deq[j * K + k] = (q - 8) * scale + zero;
                        }
                    }
                }
                for (int m : ROWS) {
                    float d = maxDiff(kernel(m, n, "quantize_int4", (long) group), run(deq, m, n));
                    assertTrue(d < 1e-3, "int4 group " + group + ", " + n + " outputs, " + m + " rows: differs from "
                            + "the dequantized product by " + d);
                }
            }
        }
    }
}
