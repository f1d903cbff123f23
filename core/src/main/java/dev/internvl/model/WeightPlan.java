package dev.internvl.model;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The checkpoint tensors of one weight list's slots (a {@link dev.internvl.torch.KernelLayout} enum: a part's own
 * slots, or one layer's), each with the shape {@code config.json} implies. Slots are given by name, in any order,
 * and come out in the enum's order, the order the kernels read: {@link WeightLoader.WeightList#addAll} loads a
 * plan, and {@link InternVLModel#plannedTensors} lists the same names without loading, so the naming rules live
 * once.
 *
 * @param <S> the slot enum
 */
final class WeightPlan<S extends Enum<S>> {

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
    private final Class<S> slotType;
    private final Map<S, Slot> slots;

    WeightPlan(PlannedTensor.Part part, Class<S> slotType) {
        this.part = part;
        this.slotType = slotType;
        this.slots = new EnumMap<>(slotType);
    }

    /** Slot {@code slot} is tensor {@code name} of {@code shape}. */
    WeightPlan<S> add(S slot, String name, long... shape) {
        return put(slot, new Single(tensor(name, shape)));
    }

    /** Slot {@code slot} is tensor {@code name} when the configuration says the model has it, else absent. */
    WeightPlan<S> addIf(S slot, boolean present, String name, long... shape) {
        return present ? add(slot, name, shape) : addAbsent(slot);
    }

    /** Slot {@code slot} is the row-wise concatenation of {@code parts}. */
    WeightPlan<S> addConcatenated(S slot, PlannedTensor... parts) {
        return put(slot, new Concatenated(List.of(parts)));
    }

    /** Slot {@code slot} is InternLM2's packed {@code wqkv} {@code name}, regrouped at load. */
    WeightPlan<S> addRegroupedQkv(S slot, String name, long[] shape, int kvHeads, int groups, int headDim) {
        return put(slot, new Regrouped(tensor(name, shape), kvHeads, groups, headDim));
    }

    /** Slot {@code slot} is absent (an empty tensor). */
    WeightPlan<S> addAbsent(S slot) {
        return put(slot, new Absent());
    }

    private WeightPlan<S> put(S slot, Slot what) {
        if (slots.put(slot, what) != null) {
            throw new IllegalStateException(slotType.getSimpleName() + "." + slot + " is given twice");
        }
        return this;
    }

    /** A tensor of this plan's part, for {@link #addConcatenated}. */
    PlannedTensor tensor(String name, long... shape) {
        return new PlannedTensor(name, shape, part);
    }

    /** Every slot in the enum's order; a slot left out is a bug in the part's plan. */
    List<Slot> slots() {
        if (slots.size() != slotType.getEnumConstants().length) {
            List<S> missing = new ArrayList<>(List.of(slotType.getEnumConstants()));
            missing.removeAll(slots.keySet());
            throw new IllegalStateException("the plan of " + slotType.getSimpleName() + " misses " + missing);
        }
        return List.copyOf(slots.values());
    }

    /** The tensors the plan reads, in load order. */
    List<PlannedTensor> tensors() {
        List<PlannedTensor> out = new ArrayList<>();
        for (Slot s : slots()) {
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
