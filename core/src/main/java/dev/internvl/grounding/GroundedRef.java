package dev.internvl.grounding;

import java.util.List;
import java.util.Objects;

/**
 * A phrase the model grounded and its boxes: {@code <ref>label</ref><box>[[...], ...]</box>}. A box the model
 * wrote without a {@code <ref>} right before it has a null label.
 *
 * @param label the text between {@code <ref>} and {@code </ref>}, stripped; null when there was none or it was
 *              blank
 * @param boxes one or more boxes, in the order written
 */
public record GroundedRef(String label, List<BoundingBox> boxes) {

    public GroundedRef {
        boxes = List.copyOf(Objects.requireNonNull(boxes, "boxes"));
    }
}
