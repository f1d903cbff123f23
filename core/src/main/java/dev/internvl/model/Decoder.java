package dev.internvl.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.DecoderFamily;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.PlannedTensor;
import dev.internvl.checkpoint.RopeScaling;
import dev.internvl.torch.KernelLayout.DecoderDim;
import dev.internvl.torch.KernelLayout.DecoderFactor;
import dev.internvl.torch.KernelLayout.DecoderWeight;
import dev.internvl.torch.TorchKernels;
import java.util.ArrayList;
import java.util.List;

/**
 * The language model: token embedding (with projected image embeddings scattered into the
 * {@code <IMG_CONTEXT>} rows), decoder layers with RoPE (scaled as the family's {@code rope_scaling} says, see
 * {@link RopeScaling}), grouped-query attention over a {@link KvCache} and a SwiGLU MLP, final RMSNorm and the
 * head. Checkpoint names come from the family's {@link DecoderFamily}; the
 * compute is {@code decoder_forward} in {@code decoder.ts.py}.
 */
public final class Decoder implements AutoCloseable {

    private final TorchKernels kernels;
    private final LlmConfig cfg;
    private final ComputeDType dtype;
    private final DeviceMap devices;
    private final WeightLoader.WeightList weights;
    private final IValue noImage;
    private final IValue scales;
    /** The model's {@link DecoderDim} and {@link DecoderFactor} values, bound once. */
    private final IValue dims;
    private final IValue factors;
    private final Quantization quantization;
    /** Owns {@link #scales} when they came from a {@link QuantizedCache}, with the weights; else null. */
    private final WeightLoader.WeightList cachedScales;
    private final boolean tiedHead;
    /** Whether the matrices (head included) are packed into oneDNN's layout (see {@link MatrixPacking}). */
    private final boolean packed;
    /** Rotary frequencies by regime key (see {@link #ropeKey}); dynamic NTK beyond the context is not cached. */
    private final java.util.Map<Long, float[]> ropeTables = new java.util.concurrent.ConcurrentHashMap<>();

    /** {@code cachedScales}: the scale list read with the weights from a {@link QuantizedCache}, else null. */
    private Decoder(TorchKernels kernels, LlmConfig cfg, ComputeDType dtype, DeviceMap devices,
            WeightLoader.WeightList weights, boolean tiedHead, boolean packed, Quantization quantization,
            WeightLoader.WeightList cachedScales) {
        this.kernels = kernels;
        this.cfg = cfg;
        this.dtype = dtype;
        this.devices = devices;
        this.weights = weights;
        this.tiedHead = tiedHead;
        this.packed = packed;
        this.quantization = quantization;
        this.noImage = kernels.call("empty_rows", (long) cfg.hiddenSize(), (long) dtype.scalarType().code(),
                devices.embedding());
        this.cachedScales = cachedScales;
        // quantize_decoder replaces the matrices in the weight list in place and returns their scales
        if (cachedScales != null) {
            this.scales = cachedScales.value();
        } else {
            this.scales = quantization.enabled()
                    ? kernels.call("quantize_decoder", weights.value(), (long) cfg.numLayers(),
                            (long) quantization.bits(), (long) quantization.groupSize(), tiedHead)
                    : kernels.call("no_scales", weights.value());
        }
        long[] d = new long[DecoderDim.values().length];
        d[DecoderDim.LAYERS.ordinal()] = cfg.numLayers();
        d[DecoderDim.HEADS.ordinal()] = cfg.numHeads();
        d[DecoderDim.KV_HEADS.ordinal()] = cfg.numKvHeads();
        d[DecoderDim.HEAD_DIM.ordinal()] = cfg.headDim();
        d[DecoderDim.QUANT_GROUP.ordinal()] = quantization.groupSize();
        this.dims = IValue.listFrom(d);
        double[] f = new double[DecoderFactor.values().length];
        f[DecoderFactor.NORM_EPS.ordinal()] = cfg.rmsNormEps();
        f[DecoderFactor.ROPE_SCALE.ordinal()] = cfg.ropeScaling().attentionFactor();
        this.factors = IValue.listFrom(f);
    }

    /**
     * Loads the decoder; a quantized one comes from its {@link QuantizedCache} when that holds it (setting
     * {@code quantizationCache}: {@code auto}, {@code off} or a folder), and is written there after quantizing
     * otherwise. {@code packWeights}: pack the matrices of an unquantized bf16 decoder on the CPU into oneDNN's
     * layout where {@link MatrixPacking} says the machine supports it.
     */
    static Decoder load(Checkpoint ckpt, WeightLoader loader, TorchKernels kernels, ComputeDType dtype,
            DeviceMap devices, Quantization quantization, String quantizationCache, boolean packWeights) {
        LlmConfig cfg = ckpt.config().llm();
        cfg.validate();
        DecoderFamily family = cfg.family();
        long v = cfg.vocabSize();
        long d = cfg.hiddenSize();
        // a head tied to the embedding is the embedding's own tensor, unless the device map puts them apart
        boolean shared = !ckpt.has(family.head()) && devices.embedding().equals(devices.head());
        if (quantization.bits() == 4) {
            checkGroups(cfg, quantization.groupSize());
        }
        QuantizedCache cache = QuantizedCache.of(ckpt, quantizationCache, quantization, dtype, devices, kernels);
        QuantizedCache.Lists cached = cache == null ? null : cache.load(loader);
        if (cached != null) {
            try {
                return new Decoder(kernels, cfg, dtype, devices, cached.weights(), shared, false, quantization,
                        cached.scales());
            } catch (RuntimeException e) {
                cached.weights().close();
                cached.scales().close();
                throw e;
            }
        }
        boolean pack = packWeights && dtype == ComputeDType.BF16 && !quantization.enabled() && devices.decoderOn("cpu")
                && MatrixPacking.available(kernels) && MatrixPacking.fits(packedBytes(ckpt, cfg), "the decoder");
        WeightLoader.WeightList w = loader.newList();
        try {
            // the DecoderWeight slots, in order
            w.onDevice(devices.embedding()).add(ckpt.tensor(family.embedding(), v, d));
            w.onDevice(devices.head()).add(ckpt.tensor(family.finalNorm(), d));
            w.packingMatrices(pack);
            if (shared && !pack) {
                w.addSameAs(DecoderWeight.EMBEDDING.ordinal());
            } else { // a packed tied head is a packed copy of the embedding, which stays plain for the lookups
                w.add(ckpt.tensor(ckpt.has(family.head()) ? family.head() : family.embedding(), v, d));
            }
            for (int i = 0; i < cfg.numLayers(); i++) {
                w.onDevice(devices.layer(i)).addAll(ckpt, family.layer(cfg, i));
            }
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        Decoder decoder;
        try {
            decoder = new Decoder(kernels, cfg, dtype, devices, w, shared, pack, quantization, null);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        if (cache != null) {
            // quantize_decoder keeps a tied head the embedding's tensor (and scales) at int8, gives it its own at int4
            cache.store(kernels, decoder.weights.value(), decoder.scales, shared && quantization.bits() == 8
                    ? java.util.Map.of(DecoderWeight.HEAD.ordinal(), DecoderWeight.EMBEDDING.ordinal())
                    : java.util.Map.of());
        }
        return decoder;
    }

    /** Bytes of the packed copies of the decoder's matrices: the layers' and the head (a tied head's own copy). */
    static long packedBytes(Checkpoint ckpt, LlmConfig cfg) {
        boolean headStored = ckpt.has(headName(cfg));
        long bytes = (long) cfg.vocabSize() * cfg.hiddenSize() * 2;
        for (PlannedTensor t : plannedTensors(cfg, headStored)) {
            if (t.part() == PlannedTensor.Part.LAYER && t.isMatrix()) {
                bytes += t.numel() * 2;
            }
        }
        return bytes;
    }

    /** Whether the quantized weights were mapped from a {@link QuantizedCache} rather than quantized at load. */
    public boolean loadedFromCache() {
        return cachedScales != null;
    }

    /**
     * The tensors {@link #load} reads, in its order: the embedding, the final norm, the head when the checkpoint
     * stores one ({@code headStored}; otherwise the embedding serves as the head), then each layer's.
     */
    static List<PlannedTensor> plannedTensors(LlmConfig cfg, boolean headStored) {
        DecoderFamily family = cfg.family();
        long v = cfg.vocabSize();
        long d = cfg.hiddenSize();
        List<PlannedTensor> out = new ArrayList<>();
        out.add(new PlannedTensor(family.embedding(), new long[] {v, d}, PlannedTensor.Part.EMBEDDING));
        out.add(new PlannedTensor(family.finalNorm(), new long[] {d}, PlannedTensor.Part.FINAL_NORM));
        if (headStored) {
            out.add(new PlannedTensor(family.head(), new long[] {v, d}, PlannedTensor.Part.HEAD));
        }
        for (int i = 0; i < cfg.numLayers(); i++) {
            out.addAll(family.layer(cfg, i).tensors());
        }
        return out;
    }

    /** The name of the output head in {@code cfg}'s family; absent from a checkpoint, the embedding is the head. */
    static String headName(LlmConfig cfg) {
        return cfg.family().head();
    }

    /**
     * int4 groups must tile every matrix's input width, and libtorch's packing needs output rows in multiples of 16
     * (the head's vocabulary rows are padded instead).
     */
    static void checkGroups(LlmConfig cfg, int group) {
        long[] widths = {cfg.hiddenSize(), (long) cfg.numHeads() * cfg.headDim(), cfg.intermediateSize()};
        for (long k : widths) {
            if (k % group != 0) {
                throw new IllegalArgumentException("int4 group size " + group + " does not divide the decoder's "
                        + "matrix width " + k + "; use a group size that does (32, 64, 128 or 256)");
            }
        }
        long[] rows = {(long) (cfg.numHeads() + 2 * cfg.numKvHeads()) * cfg.headDim(), cfg.hiddenSize(),
                2L * cfg.intermediateSize()};
        for (long n : rows) {
            if (n % 16 != 0) {
                throw new IllegalArgumentException("int4 needs decoder matrices with a multiple of 16 rows; this "
                        + "model has " + n + " (use int8)");
            }
        }
    }

    /** A cache for {@code batch} sequences of up to {@code capacity} positions, laid out for this decoder. */
    public KvCache newCache(int batch, int capacity) {
        return KvCache.allocate(kernels, new KvCache.Layout(cfg.numKvHeads(), cfg.headDim(), dtype.scalarType(),
                layerDevices()), batch, capacity);
    }

    private List<String> layerDevices() {
        List<String> layerDevices = new ArrayList<>();
        for (int i = 0; i < cfg.numLayers(); i++) {
            layerDevices.add(devices.layer(i));
        }
        return layerDevices;
    }

    /** Runs {@code ids} after what cache row 0 holds (a single sequence, no images); the last position's logits. */
    public float[] forward(long[] ids, KvCache cache) {
        return forward(new long[][] {ids}, null, -1, cache, 0, new boolean[] {true})[0];
    }

    /**
     * One step: continues cache rows {@code firstRow..firstRow+B-1}, each from its own length (rows of different
     * lengths share a step: continuous batching). Live rows advance by T; the others are placeholders (their
     * tokens write scratch at their current length, which a later call overwrites, and they do not advance). Each
     * row gets the RoPE regime it would get alone.
     *
     * @param ids          [B][T] token ids
     * @param images       embeddings for the {@code <IMG_CONTEXT>} positions of {@code ids}, in order, or null
     * @param imageTokenId the {@code <IMG_CONTEXT>} id
     * @param live         which rows take part
     * @return logits [B][V] of each row's last position (a placeholder row's logits are meaningless)
     */
    public float[][] forward(long[][] ids, VisionEmbeddings images, long imageTokenId, KvCache cache, int firstRow,
            boolean[] live) {
        int b = ids.length;
        if (firstRow < 0 || firstRow + b > cache.batch() || live.length != b) {
            throw new IllegalArgumentException("rows " + firstRow + ".." + (firstRow + b - 1)
                    + " are not all in the cache's " + cache.batch() + " rows, or live has " + live.length);
        }
        Step step = step(ids, images, imageTokenId, cache, firstRow);
        try (IValue in = step.value(kernels, images == null ? noImage : images.value());
                IValue out = kernels.call("decoder_forward", in, cache.tensors(), weights.value(), scales, dims,
                        factors);
                PtNDArray logits = out.toTensor(kernels.manager())) {
            for (int r = 0; r < b; r++) {
                if (live[r]) {
                    cache.advance(firstRow + r, ids[r].length);
                }
            }
            float[] all = logits.toFloatArray();
            int v = all.length / b;
            float[][] rows = new float[b][];
            for (int r = 0; r < b; r++) {
                rows[r] = java.util.Arrays.copyOfRange(all, r * v, (r + 1) * v);
            }
            return rows;
        }
    }

    /**
     * What {@code decoder_forward} takes per step (the model's weights, dimensions and factors are bound at load).
     *
     * @param ids        [B*T] token ids, row-major
     * @param starts     [B] positions each row already holds
     * @param sameStart  that position when all rows share it, else -1
     * @param total      max(starts) + T, the key length attended over
     * @param invFreq    [B*hd/2] each row's rotary frequencies
     */
    record Step(long[] ids, int rows, int length, long imageTokenId, long[] starts, long sameStart, int firstRow,
            int total, float[] invFreq) {

        /** The step as the kernel's tuple; the caller closes it. */
        IValue value(TorchKernels kernels, IValue imageEmbeds) {
            try (PtNDArray idsNd = (PtNDArray) kernels.manager().create(ids, new Shape(rows, length));
                    PtNDArray freqNd = (PtNDArray) kernels.manager().create(invFreq,
                            new Shape(rows, invFreq.length / rows));
                    IValue idsV = IValue.from(idsNd);
                    IValue tokenV = IValue.from(imageTokenId);
                    IValue startsV = IValue.listFrom(starts);
                    IValue sameV = IValue.from(sameStart);
                    IValue firstV = IValue.from((long) firstRow);
                    IValue totalV = IValue.from((long) total);
                    IValue freqV = IValue.from(freqNd)) {
                return IValue.tupleFrom(idsV, imageEmbeds, tokenV, startsV, sameV, firstV, totalV, freqV);
            }
        }
    }

    private Step step(long[][] ids, VisionEmbeddings images, long imageTokenId, KvCache cache, int firstRow) {
        int b = ids.length;
        int t = ids[0].length;
        long[] flat = new long[b * t];
        long[] start = new long[b];
        int total = 0;
        long imageSlots = 0;
        for (int r = 0; r < b; r++) {
            if (ids[r].length != t) {
                throw new IllegalArgumentException("the rows of a step must have equal length");
            }
            start[r] = cache.length(firstRow + r);
            if (start[r] + t > cache.capacity()) {
                throw new IllegalArgumentException("sequence of " + (start[r] + t)
                        + " positions exceeds the KV cache capacity " + cache.capacity());
            }
            total = (int) Math.max(total, start[r] + t);
            for (int c = 0; c < t; c++) {
                long id = ids[r][c];
                if (id < 0 || id >= cfg.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of "
                            + cfg.vocabSize());
                }
                imageSlots += id == imageTokenId ? 1 : 0;
                flat[r * t + c] = id;
            }
        }
        int imageRows = images == null ? 0 : images.rows();
        if (imageSlots != imageRows) {
            throw new IllegalArgumentException("the prompt has " + imageSlots + " <IMG_CONTEXT> positions but "
                    + imageRows + " image embeddings were given");
        }
        long sameStart = java.util.Arrays.stream(start).allMatch(x -> x == start[0]) ? start[0] : -1;
        int half = cfg.headDim() / 2;
        float[] invFreq = new float[b * half];
        for (int r = 0; r < b; r++) {
            // the sequence length length-dependent RoPE scaling reads: the key/value length (InternLM2's and Llama's
            // dynamic NTK) or the largest position + 1 (Phi-3's longrope, Qwen2's scalings), equal without padding
            System.arraycopy(inverseFrequencies(start[r] + t), 0, invFreq, r * half, half);
        }
        return new Step(flat, b, t, imageTokenId, start, sameStart, firstRow, total, invFreq);
    }

    /** The inverse rotary frequencies for a RoPE sequence length; shared by calls in the same regime. */
    private float[] inverseFrequencies(long seqLen) {
        long key = ropeKey(seqLen);
        float[] f = ropeTables.get(key);
        if (f == null) {
            f = frequencies(seqLen).invFreq();
            if (key != Long.MIN_VALUE) {
                ropeTables.put(key, f);
            }
        }
        return f;
    }

    /** The rotary frequencies of a call that ends at position {@code seqLen} (exclusive). */
    public RopeScaling.Frequencies frequencies(long seqLen) {
        return cfg.ropeScaling().frequencies(cfg.ropeTheta(), cfg.headDim(), cfg.maxPositionEmbeddings(), seqLen);
    }

    /** Calls with equal keys share their frequencies; {@code Long.MIN_VALUE} means computed for this call only. */
    private long ropeKey(long seqLen) {
        RopeScaling s = cfg.ropeScaling();
        return switch (s.type()) {
            case DYNAMIC -> seqLen > cfg.maxPositionEmbeddings() ? Long.MIN_VALUE : 0;
            case LONGROPE -> seqLen > s.originalMaxPositions() ? 1 : 0;
            default -> 0;
        };
    }

    public LlmConfig config() {
        return cfg;
    }

    /** Whether the matrices are packed into oneDNN's blocked layout (bf16 on a CPU that supports it). */
    public boolean packed() {
        return packed;
    }

    /** How many of the decoder's weights are packed matrices (for tests). */
    int packedMatrices() {
        return weights.packedCount();
    }

    /** Whether the head shares the embedding matrix (no separate head tensor in the checkpoint). */
    public boolean tiedHead() {
        return tiedHead;
    }

    /** Bytes of the decoder's resident weights and quantization scales (shared storage counted once). */
    public long weightBytes() {
        // a tied head shares the embedding's tensor (and its int8 scales), unless int4 or packing gave it its own
        long skip = tiedHead && quantization.bits() != 4 && !packed ? 2 : -1;
        try (IValue w = kernels.call("tensor_bytes", weights.value(), skip);
                IValue sc = kernels.call("tensor_bytes", scales, skip)) {
            return w.toLong() + sc.toLong();
        }
    }

    /** Where the embedding, each layer and the head live. */
    public DeviceMap devices() {
        return devices;
    }

    /** The decoder's weight-only quantization. */
    public Quantization quantization() {
        return quantization;
    }

    /** The weight list as the kernels get it (for tests of its slot order). */
    IValue weightList() {
        return weights.value();
    }

    @Override
    public void close() {
        ropeTables.clear();
        dims.close();
        factors.close();
        if (cachedScales != null) {
            cachedScales.close();
        } else {
            scales.close();
        }
        noImage.close();
        weights.close();
    }
}
