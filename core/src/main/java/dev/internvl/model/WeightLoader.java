package dev.internvl.model;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.CheckpointException;
import dev.internvl.checkpoint.FloatFormats;
import dev.internvl.checkpoint.PlannedTensor;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.checkpoint.TensorInfo;
import dev.internvl.checkpoint.WeightPlan;
import dev.internvl.torch.ScalarType;
import dev.internvl.torch.TorchKernels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns checkpoint tensors into engine weights in the compute dtype on the target device. Each safetensors file
 * is mapped once per element type by libtorch ({@code torch.from_file}, private read-only mapping); a weight is a
 * slice of that mapping, converted only when its stored dtype or device differs from the compute one. So a bf16
 * checkpoint computed in bf16 on CPU is never copied, and larger-than-RAM-twice checkpoints load one tensor at a
 * time. A shard's mapping is dropped when loading moves on to the next shard, and fused weights (q;k;v, gate;up,
 * InternLM2's regrouped wqkv) release their unfused parts as soon as the fused copy exists. Matrices that are packed
 * ({@link WeightList#packingMatrices}) are read through mappings of their own, dropped once packed.
 */
final class WeightLoader implements AutoCloseable {

    private record MapKey(Path file, ScalarType storedType) {
    }

    private final TorchKernels kernels;
    private final ComputeDType dtype;
    private final String device;
    private final Map<MapKey, IValue> mappings = new HashMap<>();

    WeightLoader(TorchKernels kernels, ComputeDType dtype, String device) {
        this.kernels = kernels;
        this.dtype = dtype;
        this.device = device;
    }

    /** A new, empty TorchScript {@code List[Tensor]} to add weights to. */
    WeightList newList() {
        return new WeightList();
    }

    /**
     * Loads {@code t} like {@link #load(TensorInfo, String)}, through a mapping of its file of its own that goes
     * (unmapping the pages read) as soon as the returned tensor and whatever views it has are closed: for a weight
     * that is copied right away (packed), whose pages would otherwise stay resident with the file's shared mapping.
     */
    IValue loadAlone(TensorInfo t, String device) {
        ScalarType storageDType = scalarType(t);
        int elem = t.dtype().bytes();
        if (t.offset() % elem != 0) {
            return load(t, device);
        }
        try (IValue storage = map(t.file(), new MapKey(t.file(), storageDType), elem)) {
            return take(storage, t, device);
        }
    }

    /** Tensor {@code t}, a slice of its file's mapping {@code storage}, in the compute dtype on {@code device}. */
    private IValue take(IValue storage, TensorInfo t, String device) {
        return kernels.call("take", storage, t.offset() / t.dtype().bytes(), t.shape(),
                (long) dtype.scalarType().code(), device);
    }

    /** Loads {@code t} as a tensor of the compute dtype on the loader's device; the caller closes it. */
    IValue load(TensorInfo t) {
        return load(t, device);
    }

    /** Loads {@code t} as a tensor of the compute dtype on {@code device}; the caller closes it. */
    IValue load(TensorInfo t, String device) {
        ScalarType storageDType = scalarType(t);
        int elem = t.dtype().bytes();
        if (t.offset() % elem == 0) {
            return take(storage(t, storageDType), t, device);
        }
        // Data not aligned to its element size (a non-standard writer): read and widen it on the Java side.
        try (PtNDArray f32 = readAsFloat32(t)) {
            return kernels.call("convert", f32, (long) dtype.scalarType().code(), device);
        }
    }

    /** Loads {@code t} in its stored element type (any, integers included) on {@code device}; the caller closes it. */
    IValue loadStored(TensorInfo t, String device) {
        ScalarType stored = storedType(t.dtype());
        if (stored == null) {
            throw new CheckpointException(t.file() + ": tensor " + t.name() + " has dtype " + t.dtype()
                    + ", which the engine does not map");
        }
        int elem = t.dtype().bytes();
        if (t.offset() % elem != 0) {
            throw new CheckpointException(t.file() + ": tensor " + t.name() + " is not aligned to its element size");
        }
        return kernels.call("take_stored", storage(t, stored), t.offset() / elem, t.shape(), device);
    }

    /**
     * {@code t}'s file mapped as elements of {@code type}, shared by every tensor of that type in the file (the
     * mappings of other files are dropped first, see {@link #releaseMappingsOtherThan}).
     */
    private IValue storage(TensorInfo t, ScalarType type) {
        releaseMappingsOtherThan(t.file());
        return mappings.computeIfAbsent(new MapKey(t.file(), type), k -> map(t.file(), k, t.dtype().bytes()));
    }

    /**
     * Drops the mappings of the shards before this one: weights taken from a shard hold their own reference to the
     * mapped storage when they are views of it (same dtype and device), and need none when they were converted,
     * so a shard's mapping goes as soon as loading moves on (checkpoints list a layer's tensors in one shard; a
     * tensor from a shard already left is simply mapped again).
     */
    private void releaseMappingsOtherThan(Path file) {
        mappings.entrySet().removeIf(e -> {
            if (e.getKey().file().equals(file)) {
                return false;
            }
            e.getValue().close();
            return true;
        });
    }

    /** How many shard mappings are open (for tests). */
    int openMappings() {
        return mappings.size();
    }

    private IValue map(Path file, MapKey key, int elem) {
        try {
            return kernels.call("map_file", file.toAbsolutePath().toString(), Files.size(file) / elem,
                    (long) key.storedType().code());
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private PtNDArray readAsFloat32(TensorInfo t) {
        long n = t.numel();
        if (t.byteLength() > Integer.MAX_VALUE || n * 4 > Integer.MAX_VALUE) {
            throw new CheckpointException(t.file() + ": tensor " + t.name() + " is misaligned and too large to copy");
        }
        ByteBuffer raw = ByteBuffer.allocate((int) t.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(t.file(), StandardOpenOption.READ)) {
            while (raw.hasRemaining()) {
                if (ch.read(raw, t.offset() + raw.position()) < 0) {
                    throw new IOException("unexpected end of file");
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(t.file() + ": cannot read tensor " + t.name() + " (" + e.getMessage() + ")", e);
        }
        raw.flip();
        ByteBuffer out = ByteBuffer.allocateDirect((int) n * 4).order(ByteOrder.nativeOrder());
        for (long i = 0; i < n; i++) {
            out.putFloat(switch (t.dtype()) {
                case F32 -> raw.getFloat();
                case F16 -> FloatFormats.fromF16(raw.getShort());
                case BF16 -> FloatFormats.fromBf16(raw.getShort());
                default -> (float) raw.getDouble();
            });
        }
        out.flip();
        return (PtNDArray) kernels.manager().create(out, new Shape(t.shape()), DataType.FLOAT32);
    }

    /** The libtorch type a stored element type is mapped as, or null for one the engine never maps. */
    static ScalarType storedType(TensorDType d) {
        return switch (d) {
            case F32 -> ScalarType.FLOAT32;
            case F16 -> ScalarType.FLOAT16;
            case BF16 -> ScalarType.BFLOAT16;
            case F64 -> ScalarType.FLOAT64;
            case I8 -> ScalarType.INT8;
            case U8 -> ScalarType.UINT8;
            case I32 -> ScalarType.INT32;
            default -> null;
        };
    }

    /** The libtorch type of a checkpoint weight, which must be floating-point. */
    private static ScalarType scalarType(TensorInfo t) {
        if (!t.dtype().isFloat()) {
            throw new CheckpointException(t.file() + ": tensor " + t.name() + " has dtype " + t.dtype()
                    + ", expected a floating-point weight");
        }
        return storedType(t.dtype());
    }

    /** The checkpoint tensor a plan names, checked against the shape config.json implies. */
    private static TensorInfo stored(Checkpoint ckpt, PlannedTensor t) {
        return ckpt.tensor(t.name(), t.shape());
    }

    /** Releases the file mappings; weights taken from them keep their own reference. */
    @Override
    public void close() {
        mappings.values().forEach(IValue::close);
        mappings.clear();
    }

    /** A TorchScript {@code List[Tensor]} of weights in a part's documented order. */
    final class WeightList implements AutoCloseable {

        private IValue list; // created with the first weight
        private int size;
        private String target = device;
        private boolean packMatrices;

        /** Places the weights added from now on on {@code device} (a device map's part). */
        WeightList onDevice(String device) {
            this.target = device;
            return this;
        }

        /**
         * Packs the matrices (2-D weights) added from now on into oneDNN's layout ({@code pack_matrix}), each read
         * through a mapping of its own that is dropped once it is packed; vectors are added as they are.
         */
        WeightList packingMatrices(boolean pack) {
            this.packMatrices = pack;
            return this;
        }

        private boolean packs(TensorInfo t) {
            return packMatrices && t.shape().length == 2;
        }

        /** Checkpoint tensor {@code t} on the list's device, through a mapping of its own when it will be packed. */
        private IValue read(TensorInfo t) {
            return packs(t) ? loadAlone(t, target) : load(t, target);
        }

        /** Appends {@code w}, made from checkpoint tensor {@code from}: packed when {@code from} is to be. */
        private void append(IValue w, TensorInfo from) {
            if (packs(from)) {
                try (IValue packed = kernels.call("pack_matrix", w)) {
                    append(packed);
                }
            } else {
                append(w);
            }
        }

        /** Appends checkpoint tensor {@code t}. */
        WeightList add(TensorInfo t) {
            try (IValue w = read(t)) {
                append(w, t);
            }
            return this;
        }

        /** Appends every slot of {@code plan}, each tensor taken from {@code ckpt} and checked against its shape. */
        WeightList addAll(Checkpoint ckpt, WeightPlan<?> plan) {
            for (WeightPlan.Slot slot : plan.slots()) {
                if (slot instanceof WeightPlan.Single one) {
                    add(stored(ckpt, one.tensor()));
                } else if (slot instanceof WeightPlan.Concatenated cat) {
                    addConcatenated(cat.parts().stream().map(p -> stored(ckpt, p)).toArray(TensorInfo[]::new));
                } else if (slot instanceof WeightPlan.Regrouped r) {
                    addRegroupedQkv(stored(ckpt, r.tensor()), r.kvHeads(), r.groups(), r.headDim());
                } else {
                    addAbsent();
                }
            }
            return this;
        }

        /** Appends tensor {@code t} as stored (no conversion to the compute dtype: quantized weights, scales). */
        WeightList addStored(TensorInfo t) {
            try (IValue w = loadStored(t, target)) {
                append(w);
            }
            return this;
        }

        /** Appends the row-wise concatenation of several checkpoint tensors (fused q/k/v or gate/up). */
        WeightList addConcatenated(TensorInfo... parts) {
            IValue tmp = null;
            try {
                for (TensorInfo p : parts) {
                    try (IValue w = read(p)) {
                        if (tmp == null) {
                            tmp = kernels.call("list_of", w);
                        } else {
                            kernels.run("push", tmp, w);
                        }
                    }
                }
                try (IValue cat = kernels.call("cat_rows", tmp)) {
                    append(cat, parts[0]);
                }
            } finally {
                if (tmp != null) {
                    tmp.close();
                }
            }
            return this;
        }

        /**
         * Appends InternLM2's packed {@code wqkv} (weight or bias), regrouped from per-KV-head blocks
         * {@code [q_0..q_{g-1}, k, v]} into q;k;v rows. The stored tensor is released once regrouped.
         */
        WeightList addRegroupedQkv(TensorInfo t, int kvHeads, int groups, int headDim) {
            try (IValue w = read(t);
                    IValue regrouped = kernels.call("regroup_qkv", w, (long) kvHeads, (long) groups, (long) headDim)) {
                append(regrouped, t);
            }
            return this;
        }

        /** Appends the weight already at {@code index} again (a tied head is the embedding itself, not a copy). */
        WeightList addSameAs(int index) {
            if (index < 0 || index >= size) {
                throw new IllegalArgumentException("no weight at index " + index);
            }
            kernels.run("push_again", value(), (long) index);
            size++;
            return this;
        }

        /** Appends an empty tensor standing for an absent optional weight (a bias the family does not have). */
        WeightList addAbsent() {
            try (IValue e = kernels.call("absent")) {
                append(e);
            }
            return this;
        }

        private void append(IValue t) {
            if (list == null) {
                list = kernels.call("list_of", t);
            } else {
                kernels.run("push", list, t);
            }
            size++;
        }

        int size() {
            return size;
        }

        /** How many of the weights are packed matrices. */
        int packedCount() {
            try (IValue n = kernels.call("packed_count", value())) {
                return (int) n.toLong();
            }
        }

        IValue value() {
            if (list == null) {
                throw new IllegalStateException("no weights were added");
            }
            return list;
        }

        @Override
        public void close() {
            if (list != null) {
                list.close();
            }
        }
    }
}
