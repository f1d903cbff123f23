package dev.internvl.model;

import static dev.internvl.torch.KernelLayout.DecoderLayerWeight.*;

import dev.internvl.checkpoint.CheckpointException;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.torch.KernelLayout.DecoderLayerWeight;

/**
 * How one decoder family's checkpoint names and packing map onto the engine's single decoder (the Qwen2 layout
 * of {@code decoder.ts.py}): each layer's {@link DecoderLayerWeight} slots (input norm, fused q/k/v weight and bias,
 * an empty tensor when the family has none, output projection, post-attention norm, fused gate/up weight, down weight). A new family is a new layout,
 * not a new decoder; what differs numerically (RoPE scaling, epsilon, BOS) is configuration.
 */
interface DecoderLayout {

    /** Name of the token embedding [V,D]. */
    String embedding();

    /** Name of the final norm [D]. */
    String finalNorm();

    /** Name of the output head [V,D]; when absent from the checkpoint the head is tied to the embedding. */
    String head();

    /** Layer {@code i}'s weights, slot by slot. */
    WeightPlan<DecoderLayerWeight> layer(LlmConfig cfg, int i);

    static DecoderLayout of(String architecture) {
        return switch (architecture) {
            case LlmConfig.QWEN2, LlmConfig.LLAMA -> new LlamaStyleLayout();
            case LlmConfig.INTERNLM2 -> new InternLM2Layout();
            case LlmConfig.PHI3 -> new Phi3Layout();
            default -> throw new CheckpointException("unsupported decoder architecture " + architecture);
        };
    }

    /**
     * Qwen2 (InternVL2-1B, InternVL2.5/3 small models) and Llama (Yi-34B, Llama-3-70B): separate q/k/v (Qwen2 with
     * biases, Llama without), SwiGLU MLP with separate gate/up, Hugging Face names.
     */
    final class LlamaStyleLayout implements DecoderLayout {
        private static final String P = "language_model.model.";

        @Override
        public String embedding() {
            return P + "embed_tokens.weight";
        }

        @Override
        public String finalNorm() {
            return P + "norm.weight";
        }

        @Override
        public String head() {
            return "language_model.lm_head.weight";
        }

        @Override
        public WeightPlan<DecoderLayerWeight> layer(LlmConfig cfg, int i) {
            String l = P + "layers." + i + ".";
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

    /**
     * InternLM2 (InternVL-Chat-V1-5, InternVL2-2B/8B/26B, InternVL2.5 InternLM2.5-based): {@code wqkv} packed per
     * KV head as {@code [q_0..q_{g-1}, k, v]} blocks, regrouped at load into q;k;v rows; {@code w1} gate,
     * {@code w3} up, {@code w2} down; no biases.
     */
    final class InternLM2Layout implements DecoderLayout {
        private static final String P = "language_model.model.";

        @Override
        public String embedding() {
            return P + "tok_embeddings.weight";
        }

        @Override
        public String finalNorm() {
            return P + "norm.weight";
        }

        @Override
        public String head() {
            return "language_model.output.weight";
        }

        @Override
        public WeightPlan<DecoderLayerWeight> layer(LlmConfig cfg, int i) {
            String l = P + "layers." + i + ".";
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

    /**
     * Phi-3 (Mini-InternVL-Chat-4B-V1-5, InternVL2-4B): {@code qkv_proj} already q;k;v rows and
     * {@code gate_up_proj} already gate;up rows, used as stored; no biases.
     */
    final class Phi3Layout implements DecoderLayout {
        private static final String P = "language_model.model.";

        @Override
        public String embedding() {
            return P + "embed_tokens.weight";
        }

        @Override
        public String finalNorm() {
            return P + "norm.weight";
        }

        @Override
        public String head() {
            return "language_model.lm_head.weight";
        }

        @Override
        public WeightPlan<DecoderLayerWeight> layer(LlmConfig cfg, int i) {
            String l = P + "layers." + i + ".";
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
}
