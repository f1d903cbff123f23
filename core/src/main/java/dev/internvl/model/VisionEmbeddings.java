package dev.internvl.model;

import ai.djl.pytorch.jni.IValue;

/**
 * Projected image embeddings ready to replace the {@code <IMG_CONTEXT>} rows of a prompt: [rows, D] in the
 * compute dtype, images and their tiles concatenated in prompt order.
 */
public final class VisionEmbeddings implements AutoCloseable {

    private final IValue value;
    private final int rows;

    VisionEmbeddings(IValue value, int rows) {
        this.value = value;
        this.rows = rows;
    }

    public int rows() {
        return rows;
    }

    IValue value() {
        return value;
    }

    @Override
    public void close() {
        value.close();
    }
}
