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
 * InternLM2 (InternVL-Chat-V1-5, InternVL2-2B/8B/26B, InternVL2.5 on InternLM2.5): {@code InternLM2Config}'s defaults
 * (from the {@code configuration_internlm2.py} the checkpoints ship), linear or dynamic RoPE scaling, no biases;
 * {@code wqkv} packed per KV head as {@code [q_0..q_{g-1}, k, v]} blocks, regrouped at load into q;k;v rows;
 * {@code w1} gate, {@code w3} up, {@code w2} down.
 */
final class InternLM2Family extends DecoderFamily {

    @Override
    public String architecture() {
        return LlmConfig.INTERNLM2;
    }

    @Override
    Defaults defaults() {
        return new Defaults(103168, 4096, 11008, 32, 32, 2048, 1e-6,
                List.of(RopeScaling.Type.DEFAULT, RopeScaling.Type.LINEAR, RopeScaling.Type.DYNAMIC));
    }

    @Override
    boolean headDimFixed() {
        return true;
    }

    @Override
    boolean qkvBias(Json j) {
        if (j.getBool("bias", true)) {
            // InternLM2's bias also puts a bias on wo, which no released checkpoint has.
            throw j.invalid("bias", "is true (or absent, InternLM2Config's default); only bias=false checkpoints are "
                    + "supported");
        }
        return false;
    }

    @Override
    public String embedding() {
        return MODEL + "tok_embeddings.weight";
    }

    @Override
    public String head() {
        return "language_model.output.weight";
    }

    @Override
    public WeightPlan<DecoderLayerWeight> layer(LlmConfig cfg, int i) {
        String l = MODEL + "layers." + i + ".";
        long d = cfg.hiddenSize();
        int hd = cfg.headDim();
        int kvHeads = cfg.numKvHeads();
        int g = cfg.numHeads() / kvHeads;
        long q = (long) cfg.numHeads() * hd;
        long inter = cfg.intermediateSize();
        WeightPlan<DecoderLayerWeight> w = new WeightPlan<>(PlannedTensor.Part.LAYER, DecoderLayerWeight.class);
        w.add(INPUT_NORM, l + "attention_norm.weight", d);
        w.addRegroupedQkv(QKV_WEIGHT, l + "attention.wqkv.weight", new long[] {(long) kvHeads * (g + 2) * hd, d},
                kvHeads, g, hd);
        w.addAbsent(QKV_BIAS);
        w.add(O_WEIGHT, l + "attention.wo.weight", d, q);
        w.add(POST_NORM, l + "ffn_norm.weight", d);
        w.addConcatenated(GATE_UP_WEIGHT, w.tensor(l + "feed_forward.w1.weight", inter, d),
                w.tensor(l + "feed_forward.w3.weight", inter, d));
        w.add(DOWN_WEIGHT, l + "feed_forward.w2.weight", d, inter);
        return w;
    }
}
