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
 * x times the dequantized matrix, recomputed here independently in Java (double precision).
 */
class QuantizedLinearTest {

    static TorchKernels kernels;
    static final int N = 48;
    static final int K = 128;
    static final int M = 3;
    static float[] w = new float[N * K];
    static float[] x = new float[M * K];

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

    static float[] run(float[] dequantized) {
        float[] y = new float[M * N];
        for (int m = 0; m < M; m++) {
            for (int n = 0; n < N; n++) {
                double s = 0;
                for (int k = 0; k < K; k++) {
                    s += (double) x[m * K + k] * dequantized[n * K + k];
                }
                y[m * N + n] = (float) s;
            }
        }
        return y;
    }

    static float[] kernel(String quantize, Object... extra) {
        try (PtNDArray wt = (PtNDArray) kernels.manager().create(w, new Shape(N, K));
                PtNDArray xt = (PtNDArray) kernels.manager().create(x, new Shape(M, K));
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
        float[] deq = new float[N * K];
        for (int n = 0; n < N; n++) {
            double amax = 0;
            for (int k = 0; k < K; k++) {
                amax = Math.max(amax, Math.abs(w[n * K + k]));
            }
            float scale = (float) (Math.max(amax, 1e-8) / 127.0);
            for (int k = 0; k < K; k++) {
                float q = Math.max(-128, Math.min(127, Math.round(w[n * K + k] / scale)));
                deq[n * K + k] = q * scale;
            }
        }
        float d = maxDiff(kernel("quantize_int8"), run(deq));
        assertTrue(d < 1e-4, "int8 kernel differs from the dequantized product by " + d);
    }

    @Test
    void int4IsAsymmetricPerGroup() {
        for (int group : new int[] {32, 64, 128}) {
            float[] deq = new float[N * K];
            for (int n = 0; n < N; n++) {
                for (int g0 = 0; g0 < K; g0 += group) {
                    float lo = Float.MAX_VALUE;
                    float hi = -Float.MAX_VALUE;
                    for (int k = g0; k < g0 + group; k++) {
                        lo = Math.min(lo, w[n * K + k]);
                        hi = Math.max(hi, w[n * K + k]);
                    }
                    float scale = Math.max((hi - lo) / 15.0f, 1e-6f);
                    float zero = lo + scale * 8.0f;
                    for (int k = g0; k < g0 + group; k++) {
                        float q = Math.max(0, Math.min(15, Math.round((w[n * K + k] - lo) / scale)));
                        deq[n * K + k] = (q - 8) * scale + zero;
                    }
                }
            }
            float d = maxDiff(kernel("quantize_int4", (long) group), run(deq));
            assertTrue(d < 1e-3, "int4 group " + group + " kernel differs from the dequantized product by " + d);
        }
    }
}
