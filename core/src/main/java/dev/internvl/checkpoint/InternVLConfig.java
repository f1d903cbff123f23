package dev.internvl.checkpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The top level of an InternVL {@code config.json} ({@code InternVLChatConfig}), with the reference code's
 * defaults applied to absent keys: select_layer -1, downsample_ratio 0.5, ps_version v1, dynamic patches 1..6,
 * no thumbnail. Shipped checkpoints set ps_version v2, thumbnail on and 12 patches.
 *
 * @param vision          the InternViT settings
 * @param llm             the decoder settings
 * @param template        conversation template name, when the config names one
 * @param systemMessage   system message override from the config, when present
 * @param selectLayer     which ViT hidden state feeds the projector (-1 = last layer)
 * @param imageSize       tile size in pixels (force_image_size, else the ViT's image_size)
 * @param downsampleRatio pixel-shuffle ratio (0.5 folds 2x2 patches into one token)
 * @param psVersion       pixel-shuffle version, v1 or v2
 * @param dynamicImageSize whether images are tiled
 * @param useThumbnail    whether a thumbnail tile is appended to multi-tile images
 * @param minDynamicPatch minimum tiles per image
 * @param maxDynamicPatch maximum tiles per image
 */
public record InternVLConfig(VisionConfig vision, LlmConfig llm, Optional<String> template,
        Optional<String> systemMessage, int selectLayer, int imageSize, double downsampleRatio, String psVersion,
        boolean dynamicImageSize, boolean useThumbnail, int minDynamicPatch, int maxDynamicPatch) {

    /** Reads and validates {@code config.json}. */
    public static InternVLConfig read(Path configJson) {
        Json j = Json.read(configJson);
        if (!j.has("llm_config")) {
            throw notInternVLChat(j);
        }
        VisionConfig vision = VisionConfig.from(j.child("vision_config"));
        LlmConfig llm = LlmConfig.from(j.child("llm_config"));
        int imageSize = j.getInt("force_image_size", vision.imageSize());
        double ratio = j.getDouble("downsample_ratio", 0.5);
        int grid = imageSize / vision.patchSize();
        int fold = (int) Math.round(1 / ratio);
        if (ratio <= 0 || Math.abs(fold * ratio - 1) > 1e-9 || grid % fold != 0) {
            throw j.invalid("downsample_ratio", ratio + " must be 1/k with k dividing the " + grid + "-patch grid");
        }
        String ps = j.getString("ps_version", "v1");
        if (!ps.equals("v1") && !ps.equals("v2")) {
            throw j.invalid("ps_version", "must be v1 or v2, got " + ps);
        }
        int layers = vision.numLayers();
        int select = j.getInt("select_layer", -1);
        if (select < -(layers + 1) || select > layers || select == 0) {
            throw j.invalid("select_layer", select + " is outside the " + layers + "-layer vision encoder");
        }
        int min = j.getInt("min_dynamic_patch", 1);
        int max = j.getInt("max_dynamic_patch", 6);
        if (min < 1 || max < min) {
            throw j.invalid("max_dynamic_patch", "must be >= min_dynamic_patch >= 1, got " + min + ".." + max);
        }
        return new InternVLConfig(vision, llm, Optional.ofNullable(j.getString("template", null)),
                Optional.ofNullable(j.getString("system_message", null)), select, imageSize, ratio, ps,
                j.getBool("dynamic_image_size", false), j.getBool("use_thumbnail", false), min, max);
    }

    /**
     * The error for a config.json without {@code llm_config}: transformers' own InternVL layout (the converted
     * {@code -hf} repositories, {@code InternVLForConditionalGeneration} with a {@code text_config}) names its
     * tensors differently, so it gets its own hint; anything else is not an InternVL chat checkpoint.
     */
    private static CheckpointException notInternVLChat(Json j) {
        String modelType = j.getString("model_type", "absent");
        List<String> archs = j.getStringList("architectures");
        if (j.has("text_config") || archs.contains("InternVLForConditionalGeneration")) {
            return j.invalid("model_type", "is " + modelType + " with a text_config: this is transformers' converted "
                    + "InternVL layout (an OpenGVLab '-hf' repository, InternVLForConditionalGeneration); this engine "
                    + "reads the original layout (model_type internvl_chat, llm_config): use the repository without "
                    + "the -hf suffix");
        }
        return j.invalid("llm_config", "is missing: not an InternVL chat checkpoint (model_type " + modelType
                + ", architectures " + archs + "; expected model_type internvl_chat with llm_config and vision_config)");
    }

    /** Vision tokens per tile: (imageSize / patch)^2 * ratio^2, 256 for 448-pixel tiles. */
    public int numImageTokens() {
        int grid = imageSize / vision.patchSize();
        return (int) Math.round(grid * grid * downsampleRatio * downsampleRatio);
    }

    /** How many ViT layers run before the hidden state the projector reads. */
    public int visionLayersToRun() {
        return selectLayer < 0 ? vision.numLayers() + 1 + selectLayer : selectLayer;
    }

    /** Pixel-shuffle fold factor k = 1 / downsampleRatio (2 for 0.5). */
    public int shuffleFactor() {
        return (int) Math.round(1 / downsampleRatio);
    }

    /** Supported decoder architectures, for error messages. */
    public static List<String> supportedDecoders() {
        return LlmConfig.SUPPORTED;
    }
}
