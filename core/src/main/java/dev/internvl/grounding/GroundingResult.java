package dev.internvl.grounding;

import java.util.List;
import java.util.Objects;

/**
 * The boxes found in a model's answer, with the answer itself.
 *
 * @param refs the grounded phrases in the order the model wrote them (a phrase written twice appears twice);
 *             only phrases with at least one complete box are listed
 * @param raw  the model's text, unchanged
 */
public record GroundingResult(List<GroundedRef> refs, String raw) {

    public GroundingResult {
        refs = List.copyOf(Objects.requireNonNull(refs, "refs"));
        raw = raw == null ? "" : raw;
    }

    /** No boxes. */
    public static GroundingResult empty(String raw) {
        return new GroundingResult(List.of(), raw);
    }

    /** True when the text held no complete box. */
    public boolean isEmpty() {
        return refs.isEmpty();
    }

    /** All boxes, in the order written. */
    public List<BoundingBox> boxes() {
        return refs.stream().flatMap(r -> r.boxes().stream()).toList();
    }

    /** The boxes of the phrases labelled exactly {@code label} (null: the unlabelled boxes). */
    public List<BoundingBox> boxesFor(String label) {
        return refs.stream().filter(r -> Objects.equals(r.label(), label)).flatMap(r -> r.boxes().stream()).toList();
    }
}
