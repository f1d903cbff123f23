package dev.internvl.model;

import dev.internvl.checkpoint.Checkpoint;
import java.util.ArrayList;
import java.util.List;

/**
 * The checkpoint tensors one part of the engine reads, slot by slot in the order of its weight list, each with the
 * shape {@code config.json} implies: {@link WeightLoader.WeightList#addAll} loads a plan, and
 * {@link InternVLModel#plannedTensors} lists the same names without loading, so the naming rules live once.
 */
final class WeightPlan {

    /** One entry of a part's weight list. */
    sealed interface Slot permits Single, Concatenated, Regrouped, Absent {
    }

    /** A tensor used as stored. */
    record Single(PlannedTensor tensor) implements Slot {
    }

    /** The row-wise concatenation of tensors (fused q/k/v or gate/up). */
    record Concatenated(List<PlannedTensor> parts) implements Slot {
    }

    /** InternLM2's packed {@code wqkv}, regrouped into q;k;v rows at load. */
    record Regrouped(PlannedTensor tensor, int kvHeads, int groups, int headDim) implements Slot {
    }

    /** An empty tensor standing for a weight the family does not have. */
    record Absent() implements Slot {
    }

    private final PlannedTensor.Part part;
    private final List<Slot> slots = new ArrayList<>();

    WeightPlan(PlannedTensor.Part part) {
        this.part = part;
    }

    /** Appends tensor {@code name} of {@code shape}. */
    WeightPlan add(String name, long... shape) {
        slots.add(new Single(tensor(name, shape)));
        return this;
    }

    /** Appends tensor {@code name} when the configuration says the model has it, else an absent marker. */
    WeightPlan addIf(boolean present, String name, long... shape) {
        return present ? add(name, shape) : addAbsent();
    }

    /** Appends the row-wise concatenation of {@code parts}. */
    WeightPlan addConcatenated(PlannedTensor... parts) {
        slots.add(new Concatenated(List.of(parts)));
        return this;
    }

    /** Appends InternLM2's packed {@code wqkv} {@code name}, regrouped at load. */
    WeightPlan addRegroupedQkv(String name, long[] shape, int kvHeads, int groups, int headDim) {
        slots.add(new Regrouped(tensor(name, shape), kvHeads, groups, headDim));
        return this;
    }

    /** Appends an absent marker. */
    WeightPlan addAbsent() {
        slots.add(new Absent());
        return this;
    }

    /** A tensor of this plan's part, for {@link #addConcatenated}. */
    PlannedTensor tensor(String name, long... shape) {
        return new PlannedTensor(name, shape, part);
    }

    List<Slot> slots() {
        return slots;
    }

    /** The tensors the plan reads, in load order. */
    List<PlannedTensor> tensors() {
        List<PlannedTensor> out = new ArrayList<>();
        for (Slot s : slots) {
            if (s instanceof Single one) {
                out.add(one.tensor());
            } else if (s instanceof Concatenated cat) {
                out.addAll(cat.parts());
            } else if (s instanceof Regrouped r) {
                out.add(r.tensor());
            }
        }
        return out;
    }
}
