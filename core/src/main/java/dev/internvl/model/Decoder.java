package dev.internvl.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.RopeScaling;
import dev.internvl.torch.TorchKernels;
import java.util.ArrayList;
import java.util.List;

/**
 * The language model: token embedding (with projected image embeddings scattered into the
 * {@code <IMG_CONTEXT>} rows), decoder layers with RoPE (scaled as the family's {@code rope_scaling} says, see
 * {@link RopeScaling}), grouped-query attention over a {@link KvCache} and a SwiGLU MLP, final RMSNorm and the
 * head. Checkpoint names come from the family's {@link DecoderLayout}; the
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
    private final Quantization quantization;
    private final boolean tiedHead;
    /** Rotary frequencies by regime key (see {@link #ropeKey}); dynamic NTK beyond the context is not cached. */
    private final java.util.Map<Long, float[]> ropeTables = new java.util.concurrent.ConcurrentHashMap<>();

    private Decoder(TorchKernels kernels, LlmConfig cfg, ComputeDType dtype, DeviceMap devices,
            WeightLoader.WeightList weights, boolean tiedHead, Quantization quantization) {
        this.kernels = kernels;
        this.cfg = cfg;
        this.dtype = dtype;
        this.devices = devices;
        this.weights = weights;
        this.tiedHead = tiedHead;
        this.quantization = quantization;
        this.noImage = kernels.call("empty_rows", (long) cfg.hiddenSize(), (long) dtype.torchCode(),
                devices.embedding());
        // quantize_decoder replaces the matrices in the weight list in place and returns their scales
        this.scales = quantization.enabled()
                ? kernels.call("quantize_decoder", weights.value(), (long) cfg.numLayers(), (long) quantization.bits(),
                        (long) quantization.groupSize(), tiedHead)
                : kernels.call("no_scales", weights.value());
    }

    static Decoder load(Checkpoint ckpt, WeightLoader loader, TorchKernels kernels, ComputeDType dtype,
            DeviceMap devices, Quantization quantization) {
        LlmConfig cfg = ckpt.config().llm();
        cfg.validate();
        DecoderLayout layout = DecoderLayout.of(cfg.architecture());
        long v = cfg.vocabSize();
        long d = cfg.hiddenSize();
        WeightLoader.WeightList w = loader.newList();
        // a head tied to the embedding is the embedding's own tensor, unless the device map puts them apart
        boolean shared = !ckpt.has(layout.head()) && devices.embedding().equals(devices.head());
        try {
            w.onDevice(devices.embedding()).add(ckpt.tensor(layout.embedding(), v, d));
            w.onDevice(devices.head()).add(ckpt.tensor(layout.finalNorm(), d));
            if (shared) {
                w.addSameAs(0);
            } else {
                w.add(ckpt.tensor(ckpt.has(layout.head()) ? layout.head() : layout.embedding(), v, d));
            }
            for (int i = 0; i < cfg.numLayers(); i++) {
                w.onDevice(devices.layer(i)).addAll(ckpt, layout.layer(cfg, i));
            }
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        if (quantization.bits() == 4) {
            checkGroups(cfg, quantization.groupSize());
        }
        try {
            return new Decoder(kernels, cfg, dtype, devices, w, shared, quantization);
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    /**
     * The tensors {@link #load} reads, in its order: the embedding, the final norm, the head when the checkpoint
     * stores one ({@code headStored}; otherwise the embedding serves as the head), then each layer's.
     */
    static List<PlannedTensor> plannedTensors(LlmConfig cfg, boolean headStored) {
        DecoderLayout layout = DecoderLayout.of(cfg.architecture());
        long v = cfg.vocabSize();
        long d = cfg.hiddenSize();
        List<PlannedTensor> out = new ArrayList<>();
        out.add(new PlannedTensor(layout.embedding(), new long[] {v, d}, PlannedTensor.Part.EMBEDDING));
        out.add(new PlannedTensor(layout.finalNorm(), new long[] {d}, PlannedTensor.Part.FINAL_NORM));
        if (headStored) {
            out.add(new PlannedTensor(layout.head(), new long[] {v, d}, PlannedTensor.Part.HEAD));
        }
        for (int i = 0; i < cfg.numLayers(); i++) {
            out.addAll(layout.layer(cfg, i).tensors());
        }
        return out;
    }

    /** The name of the output head in {@code cfg}'s family; absent from a checkpoint, the embedding is the head. */
    static String headName(LlmConfig cfg) {
        return DecoderLayout.of(cfg.architecture()).head();
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

    /** A cache for {@code batch} sequences of up to {@code capacity} positions. */
    public KvCache newCache(int batch, int capacity) {
        IValue t = kernels.call("new_cache", (long) batch, (long) cfg.numKvHeads(), (long) capacity,
                (long) cfg.headDim(), (long) dtype.torchCode(), layerDevices());
        return new KvCache(t, batch, capacity);
    }

    /**
     * Makes {@code cache} hold at least {@code batch} sequences of {@code capacity} positions, keeping what it
     * holds (the tensors are reallocated and copied only when it must grow).
     */
    public void ensureCapacity(KvCache cache, int batch, int capacity) {
        if (batch <= cache.batch() && capacity <= cache.capacity()) {
            return;
        }
        int b = Math.max(batch, cache.batch());
        int c = Math.max(capacity, cache.capacity());
        cache.replace(kernels.call("grow_cache", cache.tensors(), (long) b, (long) c), b, c);
    }

    private String layerDevices() {
        String[] layerDevices = new String[cfg.numLayers()];
        for (int i = 0; i < layerDevices.length; i++) {
            layerDevices[i] = devices.layer(i);
        }
        return String.join(",", layerDevices);
    }

    /**
     * Runs {@code ids} (left-padded rows of equal length, one per cache row) after what {@code cache} holds and
     * returns the fp32 logits of each row's last position. The rows share one RoPE regime, computed as the
     * reference does for a padded batch.
     *
     * @param ids    [B][T] token ids
     * @param pad    left padding of each row (0 when unpadded), fixed for the life of the cache
     * @param images embeddings for the {@code <IMG_CONTEXT>} positions of {@code ids}, or null
     * @param imageTokenId the {@code <IMG_CONTEXT>} id
     * @return logits [B][V]
     */
    public float[][] forward(long[][] ids, int[] pad, VisionEmbeddings images, long imageTokenId, KvCache cache) {
        int b = ids.length;
        if (b != cache.batch() || pad.length != b) {
            throw new IllegalArgumentException("batch of " + b + " rows does not match the cache (" + cache.batch()
                    + ") or the padding (" + pad.length + ")");
        }
        long minPad = java.util.Arrays.stream(pad).min().orElse(0);
        long seqLen = cfg.ropeSequenceLength(cache.length() + ids[0].length, minPad);
        long[] seqLens = new long[b];
        java.util.Arrays.fill(seqLens, seqLen);
        boolean[] live = new boolean[b];
        java.util.Arrays.fill(live, true);
        return run(ids, pad, images, imageTokenId, cache, 0, live, seqLens);
    }

    /**
     * Continues cache rows {@code firstRow..firstRow+B-1}, each from its own length (continuous batching). Live rows
     * advance by T; the others are placeholders (their tokens write scratch at their current length, which a later
     * call overwrites, and they do not advance). Each row gets the RoPE regime it would get alone.
     *
     * @param ids  [B][T] token ids, unpadded
     * @param live which rows take part
     * @return logits [B][V] (a placeholder row's logits are meaningless)
     */
    public float[][] forwardRows(long[][] ids, VisionEmbeddings images, long imageTokenId, KvCache cache,
            int firstRow, boolean[] live) {
        int b = ids.length;
        if (firstRow < 0 || firstRow + b > cache.batch() || live.length != b) {
            throw new IllegalArgumentException("rows " + firstRow + ".." + (firstRow + b - 1)
                    + " are not all in the cache's " + cache.batch() + " rows, or live has " + live.length);
        }
        long[] seqLens = new long[b];
        for (int r = 0; r < b; r++) {
            seqLens[r] = cfg.ropeSequenceLength(cache.length(firstRow + r) + ids[r].length, 0);
        }
        return run(ids, new int[b], images, imageTokenId, cache, firstRow, live, seqLens);
    }

    private float[][] run(long[][] ids, int[] pad, VisionEmbeddings images, long imageTokenId, KvCache cache,
            int firstRow, boolean[] live, long[] seqLens) {
        int b = ids.length;
        int t = ids[0].length;
        long[] flat = new long[b * t];
        long[] start = new long[b];
        long[] padding = new long[b];
        int total = 0;
        long imageSlots = 0;
        for (int r = 0; r < b; r++) {
            if (ids[r].length != t) {
                throw new IllegalArgumentException("rows must have equal length (left-pad them)");
            }
            start[r] = cache.length(firstRow + r);
            padding[r] = pad[r];
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
            System.arraycopy(inverseFrequencies(seqLens[r]), 0, invFreq, r * half, half);
        }
        double ropeScale = cfg.ropeScaling().attentionFactor();                // longrope's cos/sin multiplier, else 1
        try (PtNDArray idsNd = (PtNDArray) kernels.manager().create(flat, new Shape(b, t));
                PtNDArray padNd = (PtNDArray) kernels.manager().create(padding);
                PtNDArray freqNd = (PtNDArray) kernels.manager().create(invFreq, new Shape(b, half));
                IValue out = kernels.call("decoder_forward", idsNd, images == null ? noImage : images.value(),
                        imageTokenId, start, sameStart, padNd, (long) firstRow, (long) total, cache.tensors(),
                        weights.value(), scales, (long) quantization.groupSize(), (long) cfg.numLayers(),
                        (long) cfg.numHeads(), (long) cfg.numKvHeads(), (long) cfg.headDim(), cfg.rmsNormEps(),
                        freqNd, ropeScale);
                PtNDArray logits = out.toTensor(kernels.manager())) {
            for (int r = 0; r < b; r++) {
                if (live[r]) {
                    cache.advance(firstRow + r, t);
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

    /**
     * The rotary frequencies of a call whose RoPE sequence length is {@code seqLen} (see
     * {@link LlmConfig#ropeSequenceLength}).
     */
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

    /** Whether the head shares the embedding matrix (no separate head tensor in the checkpoint). */
    public boolean tiedHead() {
        return tiedHead;
    }

    /** Bytes of the decoder's resident weights and quantization scales (shared storage counted once). */
    public long weightBytes() {
        // a tied head shares the embedding's tensor (and its int8 scales), unless int4 gave it its own
        long skip = tiedHead && quantization.bits() != 4 ? 2 : -1;
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

    @Override
    public void close() {
        ropeTables.clear();
        scales.close();
        noImage.close();
        weights.close();
    }
}
