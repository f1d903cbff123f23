package dev.internvl.checkpoint;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The checkpoint tensors of one weight list's slots (a {@link dev.internvl.torch.KernelLayout} enum: a part's own
 * slots, or one layer's), each with the shape {@code config.json} implies. Slots are given by name, in any order,
 * and come out in the enum's order, the order the kernels read: {@code WeightLoader.WeightList.addAll} loads a
 * plan, and {@code InternVLModel.plannedTensors} lists the same names without loading, so the naming rules live
 * once.
 *
 * @param <S> the slot enum
 */
public final class WeightPlan<S extends Enum<S>> {

    /** One entry of a part's weight list. */
    public sealed interface Slot permits Single, Concatenated, Regrouped, Absent {
    }

    /** A tensor used as stored. */
    public record Single(PlannedTensor tensor) implements Slot {
    }

    /** The row-wise concatenation of tensors (fused q/k/v or gate/up). */
    public record Concatenated(List<PlannedTensor> parts) implements Slot {
    }

    /** InternLM2's packed {@code wqkv}, regrouped into q;k;v rows at load. */
    public record Regrouped(PlannedTensor tensor, int kvHeads, int groups, int headDim) implements Slot {
    }

    /** An empty tensor standing for a weight the family does not have. */
    public record Absent() implements Slot {
    }

    private final PlannedTensor.Part part;
    private final Class<S> slotType;
    private final Map<S, Slot> slots;

    public WeightPlan(PlannedTensor.Part part, Class<S> slotType) {
        this.part = part;
        this.slotType = slotType;
        this.slots = new EnumMap<>(slotType);
    }

    /** Slot {@code slot} is tensor {@code name} of {@code shape}. */
    public WeightPlan<S> add(S slot, String name, long... shape) {
        return put(slot, new Single(tensor(name, shape)));
    }

    /** Slot {@code slot} is tensor {@code name} when the configuration says the model has it, else absent. */
    public WeightPlan<S> addIf(S slot, boolean present, String name, long... shape) {
        return present ? add(slot, name, shape) : addAbsent(slot);
    }

    /** Slot {@code slot} is the row-wise concatenation of {@code parts}. */
    public WeightPlan<S> addConcatenated(S slot, PlannedTensor... parts) {
        return put(slot, new Concatenated(List.of(parts)));
    }

    /** Slot {@code slot} is InternLM2's packed {@code wqkv} {@code name}, regrouped at load. */
    public WeightPlan<S> addRegroupedQkv(S slot, String name, long[] shape, int kvHeads, int groups, int headDim) {
        return put(slot, new Regrouped(tensor(name, shape), kvHeads, groups, headDim));
    }

    /** Slot {@code slot} is absent (an empty tensor). */
    public WeightPlan<S> addAbsent(S slot) {
        return put(slot, new Absent());
    }

    private WeightPlan<S> put(S slot, Slot what) {
        if (slots.put(slot, what) != null) {
            throw new IllegalStateException(slotType.getSimpleName() + "." + slot + " is given twice");
        }
        return this;
    }

    /** A tensor of this plan's part, for {@link #addConcatenated}. */
    public PlannedTensor tensor(String name, long... shape) {
        return new PlannedTensor(name, shape, part);
    }

    /** Every slot in the enum's order; a slot left out is a bug in the part's plan. */
    public List<Slot> slots() {
        if (slots.size() != slotType.getEnumConstants().length) {
            List<S> missing = new ArrayList<>(List.of(slotType.getEnumConstants()));
            missing.removeAll(slots.keySet());
            throw new IllegalStateException("the plan of " + slotType.getSimpleName() + " misses " + missing);
        }
        return List.copyOf(slots.values());
    }

    /** The tensors the plan reads, in load order. */
    public List<PlannedTensor> tensors() {
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
