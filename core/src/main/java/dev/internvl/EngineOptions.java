package dev.internvl;

import dev.internvl.model.ModelOptions;

/**
 * Engine-wide settings. Null template, system message and tile settings fall back to the checkpoint's
 * {@code config.json}.
 *
 * @param model         dtype, device and parts to load
 * @param template      conversation template name overriding config.json's {@code template}
 * @param systemMessage default system message overriding the config and template ones
 * @param minTiles      minimum tiles per image (config {@code min_dynamic_patch})
 * @param maxTiles      maximum tiles per image (config {@code max_dynamic_patch}), 1..40
 * @param thumbnail     append a thumbnail tile to multi-tile images (config {@code use_thumbnail})
 * @param generation    default generation options
 * @param batching      how concurrent requests share the model (continuous batching)
 */
public record EngineOptions(ModelOptions model, String template, String systemMessage, Integer minTiles,
        Integer maxTiles, Boolean thumbnail, GenerationOptions generation, BatchingOptions batching) {

    public EngineOptions {
        InvalidOptionException.checkTiles("minTiles", minTiles);
        InvalidOptionException.checkTiles("maxTiles", maxTiles);
        if (minTiles != null && maxTiles != null && minTiles > maxTiles) {
            throw new InvalidOptionException("minTiles", "must not be greater than maxTiles=" + maxTiles, minTiles);
        }
        model = model == null ? ModelOptions.defaults() : model;
        generation = generation == null ? GenerationOptions.defaults() : generation;
        batching = batching == null ? BatchingOptions.defaults() : batching;
    }

    /** bf16 on the CPU, everything else from the checkpoint. */
    public static EngineOptions defaults() {
        return new EngineOptions(null, null, null, null, null, null, null, null);
    }

    public EngineOptions withModel(ModelOptions v) {
        return new EngineOptions(v, template, systemMessage, minTiles, maxTiles, thumbnail, generation, batching);
    }

    public EngineOptions withTemplate(String v) {
        return new EngineOptions(model, v, systemMessage, minTiles, maxTiles, thumbnail, generation, batching);
    }

    public EngineOptions withSystemMessage(String v) {
        return new EngineOptions(model, template, v, minTiles, maxTiles, thumbnail, generation, batching);
    }

    public EngineOptions withTiles(Integer min, Integer max, Boolean useThumbnail) {
        return new EngineOptions(model, template, systemMessage, min, max, useThumbnail, generation, batching);
    }

    public EngineOptions withGeneration(GenerationOptions v) {
        return new EngineOptions(model, template, systemMessage, minTiles, maxTiles, thumbnail, v, batching);
    }

    public EngineOptions withBatching(BatchingOptions v) {
        return new EngineOptions(model, template, systemMessage, minTiles, maxTiles, thumbnail, generation, v);
    }
}
