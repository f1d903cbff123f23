package dev.internvl.model;

import ai.djl.pytorch.jni.IValue;

/**
 * Tiles on their way through the vision encoder a few layers at a time, so that a server can run other work (decode
 * steps) in between: the hidden state after the layers run so far. {@link #finish()} drops CLS and projects, giving
 * the same embeddings as {@link InternVLModel#encodeImages}. Not thread-safe.
 */
public final class VisionEncoding implements AutoCloseable {

    private final VisionEncoder vision;
    private final Projector projector;
    private final int rows;
    private IValue hidden;
    private int layersDone;

    VisionEncoding(VisionEncoder vision, Projector projector, IValue hidden, int rows) {
        this.vision = vision;
        this.projector = projector;
        this.hidden = hidden;
        this.rows = rows;
    }

    /** Runs up to {@code layers} more layers. */
    public void advance(int layers) {
        int last = (int) Math.min(vision.layersToRun(), (long) layersDone + layers);
        IValue next = vision.layers(hidden, layersDone, last);
        hidden.close();
        hidden = next;
        layersDone = last;
    }

    /** Whether every layer has run. */
    public boolean done() {
        return layersDone == vision.layersToRun();
    }

    /** The projected embeddings of the tiles (every layer must have run); this encoding is closed. */
    public VisionEmbeddings finish() {
        if (!done()) {
            throw new IllegalStateException(layersDone + " of " + vision.layersToRun() + " vision layers have run");
        }
        try (IValue last = vision.dropCls(hidden)) {
            return new VisionEmbeddings(projector.forward(last), rows);
        } finally {
            close();
        }
    }

    @Override
    public void close() {
        if (hidden != null) {
            hidden.close();
            hidden = null;
        }
    }
}
