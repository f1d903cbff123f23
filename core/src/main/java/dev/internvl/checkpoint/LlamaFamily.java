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
 * Llama (InternVL-Chat-V1-5's siblings on Yi-34B, InternVL2-76B on Llama-3-70B): {@code LlamaConfig}'s defaults,
 * linear, dynamic and llama3 RoPE scaling, no biases; Hugging Face names with separate q/k/v and gate/up, fused at
 * load. {@link Qwen2Family} shares the names.
 */
sealed class LlamaFamily extends DecoderFamily permits Qwen2Family {

    @Override
    public String architecture() {
        return LlmConfig.LLAMA;
    }

    @Override
    Defaults defaults() {
        return new Defaults(32000, 4096, 11008, 32, 32, 2048, 1e-6, List.of(RopeScaling.Type.DEFAULT,
                RopeScaling.Type.LINEAR, RopeScaling.Type.DYNAMIC, RopeScaling.Type.LLAMA3));
    }

    @Override
    boolean qkvBias(Json j) {
        if (j.getBool("attention_bias", false) || j.getBool("mlp_bias", false)) {
            throw j.invalid("attention_bias", "or mlp_bias is true; Llama projections with biases are not supported");
        }
        return false;
    }

    @Override
    public WeightPlan<DecoderLayerWeight> layer(LlmConfig cfg, int i) {
        String l = MODEL + "layers." + i + ".";
        long d = cfg.hiddenSize();
        long q = (long) cfg.numHeads() * cfg.headDim();
        long kv = (long) cfg.numKvHeads() * cfg.headDim();
        long inter = cfg.intermediateSize();
        WeightPlan<DecoderLayerWeight> w = new WeightPlan<>(PlannedTensor.Part.LAYER, DecoderLayerWeight.class);
        w.add(INPUT_NORM, l + "input_layernorm.weight", d);
        w.addConcatenated(QKV_WEIGHT, w.tensor(l + "self_attn.q_proj.weight", q, d),
                w.tensor(l + "self_attn.k_proj.weight", kv, d), w.tensor(l + "self_attn.v_proj.weight", kv, d));
        if (cfg.qkvBias()) {
            w.addConcatenated(QKV_BIAS, w.tensor(l + "self_attn.q_proj.bias", q),
                    w.tensor(l + "self_attn.k_proj.bias", kv), w.tensor(l + "self_attn.v_proj.bias", kv));
        } else {
            w.addAbsent(QKV_BIAS);
        }
        w.add(O_WEIGHT, l + "self_attn.o_proj.weight", d, q);
        w.add(POST_NORM, l + "post_attention_layernorm.weight", d);
        w.addConcatenated(GATE_UP_WEIGHT, w.tensor(l + "mlp.gate_proj.weight", inter, d),
                w.tensor(l + "mlp.up_proj.weight", inter, d));
        w.add(DOWN_WEIGHT, l + "mlp.down_proj.weight", d, inter);
        return w;
    }
}
