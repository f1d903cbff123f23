package dev.internvl.checkpoint;

import java.util.List;

/**
 * Decoder settings ({@code config.json -> llm_config}), with the defaults of the Hugging Face config class that
 * {@code architectures[0]} names applied to absent keys, as its {@link DecoderFamily} says ({@code Qwen2Config},
 * {@code InternLM2Config}, {@code Phi3Config}, {@code LlamaConfig}).
 *
 * @param architecture   e.g. {@code Qwen2ForCausalLM}
 * @param hiddenSize     D
 * @param intermediateSize MLP width
 * @param numLayers      decoder layers
 * @param numHeads       query heads
 * @param numKvHeads     key/value heads (grouped-query attention when fewer than numHeads)
 * @param headDim        per-head width ({@code head_dim} when given, else D / heads)
 * @param vocabSize      rows of the embedding and the head
 * @param rmsNormEps     RMSNorm epsilon
 * @param ropeTheta      RoPE base
 * @param maxPositionEmbeddings trained context length
 * @param tieWordEmbeddings whether the config says the head shares the embedding
 * @param eosTokenIds    eos ids from the config
 * @param qkvBias        whether the q/k/v projections have a bias (Qwen2 always; InternLM2 {@code bias};
 *                       Llama {@code attention_bias})
 * @param ropeScaling    {@code rope_scaling}, validated for the family
 * @param slidingWindow  the attention window the reference applies (Phi-3 {@code sliding_window}; Qwen2
 *                       {@code sliding_window} when {@code use_sliding_window} is true), 0 when none. The engine
 *                       attends to the whole sequence, which is what the windowed reference computes while the
 *                       sequence is no longer than the window, so the window caps {@link #contextLength()}.
 */
public record LlmConfig(String architecture, int hiddenSize, int intermediateSize, int numLayers, int numHeads,
        int numKvHeads, int headDim, int vocabSize, double rmsNormEps, double ropeTheta, int maxPositionEmbeddings,
        boolean tieWordEmbeddings, List<Integer> eosTokenIds, boolean qkvBias, RopeScaling ropeScaling,
        int slidingWindow) {

    public static final String QWEN2 = "Qwen2ForCausalLM";
    public static final String INTERNLM2 = "InternLM2ForCausalLM";
    public static final String PHI3 = "Phi3ForCausalLM";
    public static final String LLAMA = "LlamaForCausalLM";

    /** Decoder architectures this version runs. */
    public static final List<String> SUPPORTED = DecoderFamily.ALL.stream().map(DecoderFamily::architecture).toList();

    static LlmConfig from(Json j) {
        List<String> archs = j.getStringList("architectures");
        if (archs.isEmpty()) {
            throw j.invalid("architectures", "is missing: it names the decoder (e.g. Qwen2ForCausalLM)");
        }
        String arch = archs.get(0);
        DecoderFamily family = DecoderFamily.find(arch);
        if (family == null) {
            throw j.invalid("architectures", "names " + arch + ", which is not supported (supported: "
                    + String.join(", ", SUPPORTED) + ")");
        }
        DecoderFamily.Defaults d = family.defaults();
        int hidden = j.getInt("hidden_size", d.hidden());
        int heads = j.getInt("num_attention_heads", d.heads());
        int kvHeads = j.getInt("num_key_value_heads", family.defaultKvHeads(heads));
        int headDim = j.getInt("head_dim", heads > 0 ? hidden / heads : 0);
        if (family.headDimFixed() && heads > 0 && headDim * heads != hidden) {
            throw j.invalid("head_dim", headDim + " must be hidden_size / num_attention_heads for " + arch);
        }
        String act = j.getString("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw j.invalid("hidden_act", "is " + act + "; only silu is supported");
        }
        int maxPositions = j.getInt("max_position_embeddings", d.maxPositions());
        boolean qkvBias = family.qkvBias(j);
        // A window at least as long as the context never masks anything (Phi-3-mini-128k sets 262144).
        int window = family.slidingWindow(j);
        RopeScaling scaling = RopeScaling.parse(j, arch, d.scalings(), headDim, maxPositions);
        return new LlmConfig(arch, hidden, j.getInt("intermediate_size", d.intermediate()),
                j.getInt("num_hidden_layers", d.layers()), heads, kvHeads, headDim, j.getInt("vocab_size", d.vocab()),
                j.getDouble("rms_norm_eps", d.eps()), j.getDouble("rope_theta", 10000.0), maxPositions,
                j.getBool("tie_word_embeddings", false), j.getIntOrList("eos_token_id"), qkvBias, scaling, window);
    }

    /** The family of this decoder: its names, packing and config rules. */
    public DecoderFamily family() {
        return DecoderFamily.of(architecture);
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

    /**
     * Longest sequence (prompt plus answer) the engine accepts: {@code max_position_embeddings}, times the factor
     * when linear or dynamic RoPE scaling stretches it (llama3 and longrope configs already state the long context),
     * and no longer than a {@link #slidingWindow() sliding window}: within the window, windowed attention is full
     * attention, beyond it the reference would mask keys that the engine does not.
     */
    public int contextLength() {
        boolean stretched = ropeScaling.type() == RopeScaling.Type.LINEAR || ropeScaling.type() == RopeScaling.Type.DYNAMIC;
        int context = stretched
                ? (int) Math.min(Integer.MAX_VALUE, (long) Math.floor(maxPositionEmbeddings * ropeScaling.factor()))
                : maxPositionEmbeddings;
        return slidingWindow > 0 ? Math.min(context, slidingWindow) : context;
    }
}
