package dev.internvl.checkpoint;

import java.util.List;

/**
 * Decoder settings ({@code config.json -> llm_config}), with the defaults of the Hugging Face config class that
 * {@code architectures[0]} names applied to absent keys.
 *
 * @param architecture   e.g. {@code Qwen2ForCausalLM}
 * @param hiddenSize     D
 * @param intermediateSize MLP width
 * @param numLayers      decoder layers
 * @param numHeads       query heads
 * @param numKvHeads     key/value heads (grouped-query attention when fewer than numHeads)
 * @param headDim        per-head width
 * @param vocabSize      rows of the embedding and the head
 * @param rmsNormEps     RMSNorm epsilon
 * @param ropeTheta      RoPE base
 * @param maxPositionEmbeddings trained context length
 * @param tieWordEmbeddings whether the config says the head shares the embedding
 * @param eosTokenIds    eos ids from the config
 */
public record LlmConfig(String architecture, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
        int numKvHeads, int headDim, int vocabSize, double rmsNormEps, double ropeTheta, int maxPositionEmbeddings,
        boolean tieWordEmbeddings, List<Integer> eosTokenIds) {

    /** Decoder architectures this version runs. */
    public static final List<String> SUPPORTED = List.of("Qwen2ForCausalLM");

    static LlmConfig from(Json j) {
        List<String> archs = j.getStringList("architectures");
        if (archs.isEmpty()) {
            throw j.invalid("architectures", "is missing: it names the decoder (e.g. Qwen2ForCausalLM)");
        }
        String arch = archs.get(0);
        if (!SUPPORTED.contains(arch)) {
            throw j.invalid("architectures", "names " + arch + ", which is not supported (supported: "
                    + String.join(", ", SUPPORTED) + ")");
        }
        // Qwen2Config defaults.
        int hidden = j.getInt("hidden_size", 4096);
        int heads = j.getInt("num_attention_heads", 32);
        int kvHeads = j.getInt("num_key_value_heads", heads);
        if (j.has("rope_scaling")) {
            throw j.invalid("rope_scaling", "is set; RoPE scaling is not supported for " + arch + " yet");
        }
        String act = j.getString("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw j.invalid("hidden_act", "is " + act + "; only silu is supported");
        }
        return new LlmConfig(arch, hidden, j.getInt("intermediate_size", 22016), j.getInt("num_hidden_layers", 32),
                heads, kvHeads, j.getInt("head_dim", heads > 0 ? hidden / heads : 0), j.getInt("vocab_size", 151936),
                j.getDouble("rms_norm_eps", 1e-6), j.getDouble("rope_theta", 10000.0),
                j.getInt("max_position_embeddings", 32768), j.getBool("tie_word_embeddings", false),
                j.getIntOrList("eos_token_id"));
    }

    /**
     * Checks the head arithmetic the decoder relies on. Not done while parsing, so that a config whose
     * {@code llm_config} is only a fragment still serves the vision encoder alone.
     */
    public void validate() {
        if (numHeads <= 0) {
            throw new CheckpointException("config.json: llm_config.num_attention_heads " + numHeads
                    + " must be positive");
        }
        if (numKvHeads <= 0 || numHeads % numKvHeads != 0) {
            throw new CheckpointException("config.json: llm_config.num_key_value_heads " + numKvHeads
                    + " does not divide num_attention_heads " + numHeads);
        }
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new CheckpointException("config.json: llm_config head dimension " + headDim
                    + " must be even and positive (RoPE rotates pairs)");
        }
        if (numLayers <= 0 || vocabSize <= 0 || intermediateSize <= 0) {
            throw new CheckpointException("config.json: llm_config needs positive num_hidden_layers, vocab_size "
                    + "and intermediate_size");
        }
    }
}
