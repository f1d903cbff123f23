package dev.internvl.checkpoint;

/**
 * InternViT settings ({@code config.json -> vision_config}). Absent keys take the defaults of the reference
 * {@code InternVisionConfig}, which describe InternViT-6B: notably {@code norm_type} defaults to RMSNorm, which
 * the 6B V1-5 checkpoints rely on.
 *
 * @param imageSize      input tile size the position embedding was trained for
 * @param patchSize      patch-embedding convolution kernel and stride
 * @param hiddenSize     C
 * @param numHeads       attention heads
 * @param intermediateSize MLP width
 * @param numLayers      encoder layers
 * @param qkvBias        whether {@code attn.qkv} has a bias
 * @param qkNormalization whether q and k get an RMSNorm over the whole C vector (6B)
 * @param rmsNorm        RMSNorm ({@code norm_type rms_norm}) or LayerNorm ({@code layer_norm})
 * @param normEps        epsilon of norm1/norm2 (and of the qk norms)
 */
public record VisionConfig(int imageSize, int patchSize, int hiddenSize, int numHeads, int intermediateSize,
        int numLayers, boolean qkvBias, boolean qkNormalization, boolean rmsNorm, double normEps) {

    static VisionConfig from(Json j) {
        String norm = j.getString("norm_type", "rms_norm");
        if (!norm.equals("rms_norm") && !norm.equals("layer_norm")) {
            throw j.invalid("norm_type", "must be rms_norm or layer_norm, got " + norm);
        }
        String act = j.getString("hidden_act", "gelu");
        if (!act.equals("gelu")) {
            throw j.invalid("hidden_act", "is " + act + "; InternViT uses gelu");
        }
        VisionConfig c = new VisionConfig(j.getInt("image_size", 224), j.getInt("patch_size", 14),
                j.getInt("hidden_size", 3200), j.getInt("num_attention_heads", 25),
                j.getInt("intermediate_size", 12800), j.getInt("num_hidden_layers", 48),
                j.getBool("qkv_bias", false), j.getBool("qk_normalization", true), norm.equals("rms_norm"),
                j.getDouble("layer_norm_eps", 1e-6));
        if (c.hiddenSize % c.numHeads != 0) {
            throw j.invalid("hidden_size", c.hiddenSize + " is not divisible by num_attention_heads " + c.numHeads);
        }
        if (c.patchSize <= 0 || c.imageSize % c.patchSize != 0) {
            throw j.invalid("image_size", c.imageSize + " is not a multiple of patch_size " + c.patchSize);
        }
        return c;
    }

    /** Patches per side of a tile of {@code tileSize} pixels. */
    public int gridSize(int tileSize) {
        return tileSize / patchSize;
    }
}
