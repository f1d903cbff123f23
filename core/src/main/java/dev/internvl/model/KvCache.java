package dev.internvl.model;

import ai.djl.pytorch.jni.IValue;
import dev.internvl.torch.ScalarType;
import dev.internvl.torch.TorchKernels;
import java.util.Arrays;
import java.util.List;

/**
 * Keys and values of every decoder layer for a set of sequence rows (slots): two tensors per layer of shape
 * [rows, kv_heads, capacity, head_dim] in the compute dtype, each on its layer's device, written in place by the
 * decoder kernel. Each row has its own length, so sequences of different lengths can share a step (continuous
 * batching). The prompt is run once; each generated token then costs one position. The cache owns its layout and
 * its growth ({@link #ensure}).
 *
 * <p>Not thread-safe: one thread runs the decoder over a cache.
 */
public final class KvCache implements AutoCloseable {

    /** What every row of a cache holds: per layer, {@code kvHeads} × {@code headDim} in {@code dtype}. */
    record Layout(int kvHeads, int headDim, ScalarType dtype, List<String> layerDevices) {
    }

    private final TorchKernels kernels;
    private IValue tensors;
    private int batch;
    private int capacity;
    private int[] lengths;

    private KvCache(TorchKernels kernels, IValue tensors, int batch, int capacity) {
        this.kernels = kernels;
        this.tensors = tensors;
        this.batch = batch;
        this.capacity = capacity;
        this.lengths = new int[batch];
    }

    /** A zeroed cache of {@code batch} rows of {@code capacity} positions. */
    static KvCache allocate(TorchKernels kernels, Layout layout, int batch, int capacity) {
        IValue t = kernels.call("new_cache", (long) batch, (long) layout.kvHeads(), (long) capacity,
                (long) layout.headDim(), (long) layout.dtype().code(), String.join(",", layout.layerDevices()));
        return new KvCache(kernels, t, batch, capacity);
    }

    /**
     * Makes the cache hold at least {@code batch} rows of {@code capacity} positions, keeping what it holds (the
     * tensors are reallocated and copied only when it must grow).
     */
    public void ensure(int batch, int capacity) {
        if (batch <= this.batch && capacity <= this.capacity) {
            return;
        }
        int b = Math.max(batch, this.batch);
        int c = Math.max(capacity, this.capacity);
        IValue grown = kernels.call("grow_cache", tensors, (long) b, (long) c);
        tensors.close();
        tensors = grown;
        this.batch = b;
        this.capacity = c;
        lengths = Arrays.copyOf(lengths, b);
    }

    /** Positions row {@code row} holds. */
    public int length(int row) {
        return lengths[row];
    }

    /** Forgets row {@code row}'s positions, so that a new sequence can use the row. */
    public void clear(int row) {
        lengths[row] = 0;
    }

    public int capacity() {
        return capacity;
    }

    /** Rows (sequence slots). */
    public int batch() {
        return batch;
    }

    void advance(int row, int tokens) {
        lengths[row] += tokens;
    }

    IValue tensors() {
        return tensors;
    }

    @Override
    public void close() {
        tensors.close();
    }
}
