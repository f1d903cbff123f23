package dev.internvl.model;

import static dev.internvl.torch.KernelLayout.VisionLayerWeight.*;

import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.InternVLConfig;
import dev.internvl.checkpoint.PlannedTensor;
import dev.internvl.checkpoint.VisionConfig;
import dev.internvl.checkpoint.WeightPlan;
import dev.internvl.torch.KernelLayout.VisionLayerWeight;
import dev.internvl.torch.KernelLayout.VisionWeight;
import dev.internvl.torch.TorchKernels;
import java.util.ArrayList;
import java.util.List;

/**
 * InternViT (300M and 6B variants): patch embedding, CLS token and position embedding, then pre-norm
 * transformer layers with layer scale; the output is the hidden state {@code select_layer} picks, without the
 * CLS token. Checkpoint names under {@code vision_model.}; the compute is {@code vision_forward} in
 * {@code vision.ts.py}.
 */
public final class VisionEncoder implements AutoCloseable {

    private static final String P = "vision_model.";

    private final TorchKernels kernels;
    private final VisionConfig cfg;
    private final int layersToRun;
    private final int posGrid;
    private final ComputeDType dtype;
    private final WeightLoader.WeightList weights;

    private VisionEncoder(TorchKernels kernels, VisionConfig cfg, int layersToRun, ComputeDType dtype,
            WeightLoader.WeightList weights) {
        this.kernels = kernels;
        this.cfg = cfg;
        this.layersToRun = layersToRun;
        this.posGrid = cfg.imageSize() / cfg.patchSize();
        this.dtype = dtype;
        this.weights = weights;
    }

    /** How many of the encoder's weights are packed matrices (for tests). */
    int packedMatrices() {
        return weights.packedCount();
    }

    static VisionEncoder load(Checkpoint ckpt, WeightLoader loader, TorchKernels kernels, ComputeDType dtype,
            String device, boolean packWeights) {
        InternVLConfig config = ckpt.config();
        List<WeightPlan<?>> plans = plans(config);
        long packedBytes = plans.stream().skip(1).flatMap(p -> p.tensors().stream()).filter(PlannedTensor::isMatrix)
                .mapToLong(t -> t.numel() * 2).sum();
        boolean pack = packWeights && dtype == ComputeDType.BF16 && device.equals("cpu")
                && MatrixPacking.available(kernels) && MatrixPacking.fits(packedBytes, "the vision encoder");
        WeightLoader.WeightList w = loader.newList().onDevice(device);
        try {
            for (int i = 0; i < plans.size(); i++) {
                w.packingMatrices(pack && i > 0); // the layers' matrices; the embeddings are no matrices
                w.addAll(ckpt, plans.get(i));
            }
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        return new VisionEncoder(kernels, config.vision(), config.visionLayersToRun(), dtype, w);
    }

    /** What {@link #load} reads: the embeddings ({@link VisionWeight}), then each layer up to {@code select_layer}. */
    static List<WeightPlan<?>> plans(InternVLConfig config) {
        VisionConfig v = config.vision();
        long c = v.hiddenSize();
        long p = v.patchSize();
        long positions = 1 + (long) (v.imageSize() / v.patchSize()) * (v.imageSize() / v.patchSize());
        long inter = v.intermediateSize();
        List<WeightPlan<?>> plans = new ArrayList<>();
        plans.add(new WeightPlan<>(PlannedTensor.Part.VISION, VisionWeight.class)
                .add(VisionWeight.PATCH_WEIGHT, P + "embeddings.patch_embedding.weight", c, 3, p, p)
                .add(VisionWeight.PATCH_BIAS, P + "embeddings.patch_embedding.bias", c)
                .add(VisionWeight.CLASS_EMBEDDING, P + "embeddings.class_embedding", 1, 1, c)
                .add(VisionWeight.POSITION_EMBEDDING, P + "embeddings.position_embedding", 1, positions, c));
        for (int i = 0; i < config.visionLayersToRun(); i++) {
            String l = P + "encoder.layers." + i + ".";
            plans.add(new WeightPlan<>(PlannedTensor.Part.VISION, VisionLayerWeight.class)
                    .add(NORM1_WEIGHT, l + "norm1.weight", c)
                    .addIf(NORM1_BIAS, !v.rmsNorm(), l + "norm1.bias", c)
                    .add(QKV_WEIGHT, l + "attn.qkv.weight", 3 * c, c)
                    .addIf(QKV_BIAS, v.qkvBias(), l + "attn.qkv.bias", 3 * c)
                    .addIf(Q_NORM, v.qkNormalization(), l + "attn.q_norm.weight", c)
                    .addIf(K_NORM, v.qkNormalization(), l + "attn.k_norm.weight", c)
                    .add(PROJ_WEIGHT, l + "attn.proj.weight", c, c)
                    .add(PROJ_BIAS, l + "attn.proj.bias", c)
                    .add(LS1, l + "ls1", c)
                    .add(NORM2_WEIGHT, l + "norm2.weight", c)
                    .addIf(NORM2_BIAS, !v.rmsNorm(), l + "norm2.bias", c)
                    .add(FC1_WEIGHT, l + "mlp.fc1.weight", inter, c)
                    .add(FC1_BIAS, l + "mlp.fc1.bias", inter)
                    .add(FC2_WEIGHT, l + "mlp.fc2.weight", c, inter)
                    .add(FC2_BIAS, l + "mlp.fc2.bias", c)
                    .add(LS2, l + "ls2", c));
        }
        return plans;
    }

    /**
     * Encodes normalized tiles.
     *
     * @param pixelValues float32 [tiles,3,S,S], as the preprocessor produces it
     * @return the selected hidden state without CLS, [tiles, (S/patch)^2, C], compute dtype; caller closes it
     */
    public IValue forward(float[] pixelValues, int tiles, int tileSize) {
        try (PtNDArray pixels = pixels(pixelValues, tiles, tileSize)) {
            return kernels.call("vision_forward", pixels, weights.value(), (long) layersToRun,
                    (long) cfg.numHeads(), cfg.rmsNorm(), cfg.qkNormalization(), cfg.normEps(),
                    (long) cfg.patchSize(), (long) posGrid, (long) dtype.scalarType().code());
        }
    }

    /**
     * The same as {@link #forward} in parts, for interleaving with other work: {@code embed}, then {@code layers}
     * over consecutive ranges up to {@link #layersToRun()}, then {@code dropCls}. Each call returns a new tensor
     * the caller closes.
     *
     * @return patch and position embeddings with CLS, [tiles, 1 + (S/patch)^2, C]
     */
    public IValue embed(float[] pixelValues, int tiles, int tileSize) {
        try (PtNDArray pixels = pixels(pixelValues, tiles, tileSize)) {
            return kernels.call("vision_embed", pixels, weights.value(), (long) cfg.patchSize(), (long) posGrid,
                    (long) dtype.scalarType().code());
        }
    }

    /** Runs layers {@code first..last-1} over a hidden state from {@link #embed} or an earlier range. */
    public IValue layers(IValue hidden, int first, int last) {
        if (first < 0 || first > last || last > layersToRun) {
            throw new IllegalArgumentException("layers " + first + ".." + last + " outside 0.." + layersToRun);
        }
        return kernels.call("vision_layers", hidden, weights.value(), (long) first, (long) last,
                (long) cfg.numHeads(), cfg.rmsNorm(), cfg.qkNormalization(), cfg.normEps());
    }

    /** The hidden state after the last layer without its CLS row: what {@link #forward} returns. */
    public IValue dropCls(IValue hidden) {
        return kernels.call("drop_cls", hidden);
    }

    /** Layers run per image: all, or up to the checkpoint's {@code select_layer}. */
    public int layersToRun() {
        return layersToRun;
    }

    private PtNDArray pixels(float[] pixelValues, int tiles, int tileSize) {
        long expected = (long) tiles * 3 * tileSize * tileSize;
        if (pixelValues.length != expected) {
            throw new IllegalArgumentException("pixel values hold " + pixelValues.length + " floats, expected "
                    + tiles + "x3x" + tileSize + "x" + tileSize);
        }
        return (PtNDArray) kernels.manager().create(pixelValues, new Shape(tiles, 3, tileSize, tileSize));
    }

    public VisionConfig config() {
        return cfg;
    }

    /** The weight list as the kernels get it (for tests of its slot order). */
    IValue weightList() {
        return weights.value();
    }

    @Override
    public void close() {
        weights.close();
    }
}
