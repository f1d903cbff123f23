package dev.internvl.model;

import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.CheckpointException;
import dev.internvl.checkpoint.LlmConfig;

/**
 * How one decoder family's checkpoint names and packing map onto the engine's single decoder (the Qwen2 layout
 * of {@code decoder.ts.py}): per layer input norm, fused q/k/v weight and bias, output projection, post-attention
 * norm, fused gate/up weight, down weight. A new family is a new layout, not a new decoder.
 */
interface DecoderLayout {

    /** Name of the token embedding [V,D]. */
    String embedding();

    /** Name of the final norm [D]. */
    String finalNorm();

    /** Name of the output head [V,D]; when absent from the checkpoint the head is tied to the embedding. */
    String head();

    /** Appends layer {@code i}'s seven weights in the engine's order. */
    void addLayer(Checkpoint ckpt, LlmConfig cfg, int i, WeightLoader.WeightList w);

    static DecoderLayout of(String architecture) {
        if (architecture.equals("Qwen2ForCausalLM")) {
            return new Qwen2Layout();
        }
        throw new CheckpointException("unsupported decoder architecture " + architecture);
    }

    /** Qwen2 (InternVL2-1B, InternVL2.5/3 small models): separate q/k/v with bias, SwiGLU MLP. */
    final class Qwen2Layout implements DecoderLayout {
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
        public void addLayer(Checkpoint ckpt, LlmConfig cfg, int i, WeightLoader.WeightList w) {
            String l = P + "layers." + i + ".";
            long d = cfg.hiddenSize();
            long q = (long) cfg.numHeads() * cfg.headDim();
            long kv = (long) cfg.numKvHeads() * cfg.headDim();
            long inter = cfg.intermediateSize();
            w.add(ckpt.tensor(l + "input_layernorm.weight", d));
            w.addConcatenated(ckpt.tensor(l + "self_attn.q_proj.weight", q, d),
                    ckpt.tensor(l + "self_attn.k_proj.weight", kv, d), ckpt.tensor(l + "self_attn.v_proj.weight", kv, d));
            w.addConcatenated(ckpt.tensor(l + "self_attn.q_proj.bias", q),
                    ckpt.tensor(l + "self_attn.k_proj.bias", kv), ckpt.tensor(l + "self_attn.v_proj.bias", kv));
            w.add(ckpt.tensor(l + "self_attn.o_proj.weight", d, q));
            w.add(ckpt.tensor(l + "post_attention_layernorm.weight", d));
            w.addConcatenated(ckpt.tensor(l + "mlp.gate_proj.weight", inter, d),
                    ckpt.tensor(l + "mlp.up_proj.weight", inter, d));
            w.add(ckpt.tensor(l + "mlp.down_proj.weight", d, inter));
        }
    }
}
