package dev.internvl.checkpoint;

import dev.internvl.torch.KernelLayout.DecoderLayerWeight;
import java.util.List;

/**
 * One decoder family: everything about it that differs from the others, in its own small file — the defaults of its
 * Hugging Face config class, the config rules of its reference code, the RoPE scalings it accepts, and how its
 * checkpoint names and packs the weights of the engine's single decoder (the Qwen2 layout of {@code decoder.ts.py}:
 * each layer's {@link DecoderLayerWeight} slots). What differs numerically beyond that (the RoPE regimes) is
 * {@link RopeScaling}, which the family's config selects. A new family is a new subclass, not a new decoder.
 */
public abstract sealed class DecoderFamily permits LlamaFamily, InternLM2Family, Phi3Family {

    /** The families this version runs. */
    static final List<DecoderFamily> ALL = List.of(new Qwen2Family(), new InternLM2Family(), new Phi3Family(),
            new LlamaFamily());

    /** The family {@code architecture} ({@code architectures[0]} of {@code llm_config}) names, or null. */
    static DecoderFamily find(String architecture) {
        return ALL.stream().filter(f -> f.architecture().equals(architecture)).findFirst().orElse(null);
    }

    /** The family of {@code architecture}. */
    public static DecoderFamily of(String architecture) {
        DecoderFamily f = find(architecture);
        if (f == null) {
            throw new CheckpointException("unsupported decoder architecture " + architecture);
        }
        return f;
    }

    /** The defaults of the family's config class for absent keys. */
    record Defaults(int vocab, int hidden, int intermediate, int layers, int heads, int maxPositions, double eps,
            List<RopeScaling.Type> scalings) {
    }

    /** {@code architectures[0]}, e.g. {@code Qwen2ForCausalLM}. */
    public abstract String architecture();

    abstract Defaults defaults();

    /** {@code num_key_value_heads} when absent. */
    int defaultKvHeads(int heads) {
        return heads;
    }

    /** Whether {@code head_dim} must be {@code hidden_size / num_attention_heads} (the family has no such key). */
    boolean headDimFixed() {
        return false;
    }

    /** Whether q/k/v have a bias, refusing the bias settings the engine does not run. */
    abstract boolean qkvBias(Json j);

    /** The attention window the reference applies, 0 when none. */
    int slidingWindow(Json j) {
        return 0;
    }

    /** {@code sliding_window}: positive, or null or absent (0). */
    static int window(Json j) {
        int window = j.has("sliding_window") ? j.getInt("sliding_window", 0) : 0;
        if (j.has("sliding_window") && window <= 0) {
            throw j.invalid("sliding_window", "must be positive or null, got " + window);
        }
        return window;
    }

    /** The prefix of the decoder's tensors in an InternVL checkpoint. */
    static final String MODEL = "language_model.model.";

    /** Name of the token embedding [V,D] (Hugging Face's name unless the family has its own). */
    public String embedding() {
        return MODEL + "embed_tokens.weight";
    }

    /** Name of the final norm [D]. */
    public String finalNorm() {
        return MODEL + "norm.weight";
    }

    /**
     * Name of the output head [V,D] (Hugging Face's name unless the family has its own); when absent from the
     * checkpoint the head is tied to the embedding.
     */
    public String head() {
        return "language_model.lm_head.weight";
    }

    /** Layer {@code i}'s weights, slot by slot. */
    public abstract WeightPlan<DecoderLayerWeight> layer(LlmConfig cfg, int i);

    @Override
    public String toString() {
        return architecture();
    }
}
