package dev.internvl.checkpoint;

import java.util.Arrays;

/**
 * A checkpoint tensor the engine reads: its name, the shape {@code config.json} implies for it, and the part of the
 * model it belongs to. {@link InternVLModel#plannedTensors} lists them without reading any weights.
 *
 * @param name  the checkpoint name, e.g. {@code vision_model.encoder.layers.0.attn.qkv.weight}
 * @param shape the shape the loader checks
 * @param part  where the engine puts it
 */
public record PlannedTensor(String name, long[] shape, Part part) {

    /** The parts of the model, as weight-only quantization treats them differently. */
    public enum Part {
        /** The InternViT encoder (never quantized). */
        VISION,
        /** The {@code mlp1} projector (never quantized). */
        PROJECTOR,
        /** The decoder's token embedding. */
        EMBEDDING,
        /** A decoder layer's norms, projections and biases. */
        LAYER,
        /** The decoder's final norm. */
        FINAL_NORM,
        /** The decoder's output head. */
        HEAD
    }

    public PlannedTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Whether this is a matrix (two dimensions) rather than a vector or a convolution kernel. */
    public boolean isMatrix() {
        return shape.length == 2;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PlannedTensor p && p.name.equals(name) && Arrays.equals(p.shape, shape) && p.part == part;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
