package dev.internvl.checkpoint;

import static dev.internvl.torch.KernelLayout.DecoderLayerWeight.DOWN_WEIGHT;
import static dev.internvl.torch.KernelLayout.DecoderLayerWeight.GATE_UP_WEIGHT;
import static dev.internvl.torch.KernelLayout.DecoderLayerWeight.INPUT_NORM;
import static dev.internvl.torch.KernelLayout.DecoderLayerWeight.O_WEIGHT;
import static dev.internvl.torch.KernelLayout.DecoderLayerWeight.POST_NORM;
import static dev.internvl.torch.KernelLayout.DecoderLayerWeight.QKV_BIAS;
import static dev.internvl.torch.KernelLayout.DecoderLayerWeight.QKV_WEIGHT;

import dev.internvl.torch.KernelLayout.DecoderLayerWeight;
import java.util.List;

/**
 * Phi-3 (Mini-InternVL-Chat-4B-V1-5, InternVL2-4B): {@code Phi3Config}'s defaults, su/longrope scaling, its
 * {@code sliding_window}, no biases; {@code qkv_proj} already q;k;v rows and {@code gate_up_proj} already gate;up rows,
 * used as stored.
 */
final class Phi3Family extends DecoderFamily {

    @Override
    public String architecture() {
        return LlmConfig.PHI3;
    }

    @Override
    Defaults defaults() {
        return new Defaults(32064, 3072, 8192, 32, 32, 4096, 1e-5,
                List.of(RopeScaling.Type.DEFAULT, RopeScaling.Type.LONGROPE));
    }

    @Override
    boolean headDimFixed() {
        return true;
    }

    @Override
    boolean qkvBias(Json j) {
        return false;
    }

    @Override
    int slidingWindow(Json j) {
        return window(j);
    }

    @Override
    public WeightPlan<DecoderLayerWeight> layer(LlmConfig cfg, int i) {
        String l = MODEL + "layers." + i + ".";
        long d = cfg.hiddenSize();
        long q = (long) cfg.numHeads() * cfg.headDim();
        long kv = (long) cfg.numKvHeads() * cfg.headDim();
        long inter = cfg.intermediateSize();
        return new WeightPlan<>(PlannedTensor.Part.LAYER, DecoderLayerWeight.class)
                .add(INPUT_NORM, l + "input_layernorm.weight", d)
                .add(QKV_WEIGHT, l + "self_attn.qkv_proj.weight", q + 2 * kv, d)
                .addAbsent(QKV_BIAS)
                .add(O_WEIGHT, l + "self_attn.o_proj.weight", d, q)
                .add(POST_NORM, l + "post_attention_layernorm.weight", d)
                .add(GATE_UP_WEIGHT, l + "mlp.gate_up_proj.weight", 2 * inter, d)
                .add(DOWN_WEIGHT, l + "mlp.down_proj.weight", d, inter);
    }
}
