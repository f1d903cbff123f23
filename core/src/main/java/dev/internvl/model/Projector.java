package dev.internvl.model;

import ai.djl.pytorch.jni.IValue;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.InternVLConfig;
import dev.internvl.checkpoint.PlannedTensor;
import dev.internvl.checkpoint.WeightPlan;
import dev.internvl.torch.KernelLayout.ProjectorWeight;
import dev.internvl.torch.TorchKernels;

/**
 * The vision-to-language projector: pixel shuffle (v1 or v2) folding 2x2 patches into one token, then
 * {@code mlp1} (LayerNorm, Linear, GELU, Linear). 256 tokens per 448-pixel tile. Checkpoint names
 * {@code mlp1.0/1/3}; the compute is {@code project} in {@code projector.ts.py}.
 */
public final class Projector implements AutoCloseable {

    private final TorchKernels kernels;
    private final int grid;
    private final int fold;
    private final boolean v2;
    private final WeightLoader.WeightList weights;

    private Projector(TorchKernels kernels, int grid, int fold, boolean v2, WeightLoader.WeightList weights) {
        this.kernels = kernels;
        this.grid = grid;
        this.fold = fold;
        this.v2 = v2;
        this.weights = weights;
    }

    static Projector load(Checkpoint ckpt, WeightLoader loader, TorchKernels kernels, String device) {
        InternVLConfig cfg = ckpt.config();
        WeightLoader.WeightList w = loader.newList().onDevice(device);
        try {
            w.addAll(ckpt, plan(cfg));
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        int grid = cfg.imageSize() / cfg.vision().patchSize();
        return new Projector(kernels, grid, cfg.shuffleFactor(), cfg.psVersion().equals("v2"), w);
    }

    /** The tensors {@link #load} reads: {@code mlp1}'s LayerNorm and two Linear layers. */
    static WeightPlan<ProjectorWeight> plan(InternVLConfig cfg) {
        long in = (long) cfg.vision().hiddenSize() * cfg.shuffleFactor() * cfg.shuffleFactor();
        long d = cfg.llm().hiddenSize();
        return new WeightPlan<>(PlannedTensor.Part.PROJECTOR, ProjectorWeight.class)
                .add(ProjectorWeight.NORM_WEIGHT, "mlp1.0.weight", in)
                .add(ProjectorWeight.NORM_BIAS, "mlp1.0.bias", in)
                .add(ProjectorWeight.FC1_WEIGHT, "mlp1.1.weight", d, in)
                .add(ProjectorWeight.FC1_BIAS, "mlp1.1.bias", d)
                .add(ProjectorWeight.FC2_WEIGHT, "mlp1.3.weight", d, d)
                .add(ProjectorWeight.FC2_BIAS, "mlp1.3.bias", d);
    }

    /** [tiles, grid^2, C] ViT output to [tiles * tokens, D] language-model embeddings; caller closes the result. */
    public IValue forward(IValue vit) {
        return kernels.call("project", vit, weights.value(), (long) grid, (long) fold, v2);
    }

    /** The pixel-shuffle step alone, [tiles, grid/k, grid/k, C*k*k], for inspection and parity tests. */
    public IValue pixelShuffle(IValue vit) {
        return kernels.call("pixel_shuffle", vit, (long) grid, (long) fold, v2);
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
