package dev.internvl.torch;

import ai.djl.pytorch.jni.IValue;

/**
 * Measures the memory read bandwidth libtorch reaches on this machine with all its threads: the time to sum a
 * buffer far larger than the caches. Decoding one token reads every decoder weight once, so weight bytes per token
 * divided by this bandwidth is the decode roofline the benchmark compares against.
 */
public final class MemoryBandwidth {

    private MemoryBandwidth() {
    }

    /** Bytes per second, the best of {@code runs} reads of a {@code bytes}-sized buffer. */
    public static double measure(TorchKernels kernels, long bytes, int runs) {
        try (IValue buffer = kernels.call("bench_buffer", bytes / 4)) {
            kernels.call("bench_read", buffer).close(); // warm-up
            double best = Double.MAX_VALUE;
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                kernels.call("bench_read", buffer).close();
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            return (bytes / 4) * 4 / best;
        }
    }
}
