package dev.internvl.model;

import ai.djl.pytorch.jni.IValue;
import java.util.Arrays;

/**
 * Keys and values of every decoder layer for a set of sequence rows (slots): two tensors per layer of shape
 * [rows, kv_heads, capacity, head_dim] in the compute dtype, written in place by the decoder kernel. Each row
 * has its own length, so sequences of different lengths can share a step (continuous batching); a static batch
 * keeps all rows equally long. The prompt is run once; each generated token then costs one position.
 *
 * <p>Not thread-safe: one thread runs the decoder over a cache.
 */
public final class KvCache implements AutoCloseable {

    private IValue tensors;
    private int batch;
    private int capacity;
    private int[] lengths;

    KvCache(IValue tensors, int batch, int capacity) {
        this.tensors = tensors;
        this.batch = batch;
        this.capacity = capacity;
        this.lengths = new int[batch];
    }

    /** The longest row's length (the length of every row of a static, left-padded batch). */
    public int length() {
        return Arrays.stream(lengths).max().orElse(0);
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

    /** Swaps in grown tensors holding the old contents (see {@link Decoder#ensureCapacity}). */
    void replace(IValue grown, int newBatch, int newCapacity) {
        tensors.close();
        tensors = grown;
        batch = newBatch;
        capacity = newCapacity;
        lengths = Arrays.copyOf(lengths, newBatch);
    }

    IValue tensors() {
        return tensors;
    }

    @Override
    public void close() {
        tensors.close();
    }
}
