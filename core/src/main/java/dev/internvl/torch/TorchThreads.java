package dev.internvl.torch;

import ai.djl.pytorch.jni.JniUtils;

/**
 * libtorch's intra-op thread count belongs to the calling thread (OpenMP keeps it per thread): a thread created
 * later runs the model's operators on fewer threads unless told. Measured on the 2-core machine: a decode step of
 * InternVL2-1B took 1.7× as long on a fresh Java thread as on the thread that loaded the engine. A thread that runs
 * the model takes the count of the thread that created it.
 */
public final class TorchThreads {

    private TorchThreads() {
    }

    /** The calling thread's intra-op thread count (the native library must be loaded). */
    public static int current() {
        return JniUtils.getNumThreads();
    }

    /** Sets the calling thread's intra-op thread count. */
    public static void use(int threads) {
        if (threads > 0 && JniUtils.getNumThreads() != threads) {
            JniUtils.setNumThreads(threads);
        }
    }
}
