package dev.internvl.model;

import ai.djl.pytorch.jni.IValue;

/**
 * Keys and values of every decoder layer for a batch of sequences: two tensors per layer of shape
 * [batch, kv_heads, capacity, head_dim] in the compute dtype, written in place by the decoder kernel. The
 * prompt is run once; each generated token then costs one position.
 */
public final class KvCache implements AutoCloseable {

    private final IValue tensors;
    private final int batch;
    private final int capacity;
    private int length;

    KvCache(IValue tensors, int batch, int capacity) {
        this.tensors = tensors;
        this.batch = batch;
        this.capacity = capacity;
    }

    /** Positions filled so far (the same for every row: rows are left-padded to a common length). */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    public int batch() {
        return batch;
    }

    void advance(int tokens) {
        length += tokens;
    }

    IValue tensors() {
        return tensors;
    }

    @Override
    public void close() {
        tensors.close();
    }
}
