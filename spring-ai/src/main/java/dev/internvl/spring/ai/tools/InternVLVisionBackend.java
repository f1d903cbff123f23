package dev.internvl.spring.ai.tools;

import dev.internvl.ChatEngine;
import dev.internvl.ChatRequest;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.InvalidRequestException;
import dev.internvl.grounding.BoundingBox;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.grounding.VisionTaskOptions;
import dev.internvl.grounding.VisionTasks;
import dev.internvl.image.RgbImage;
import dev.internvl.text.InternVLTokens;
import java.util.List;
import java.util.Objects;

/**
 * {@link VisionBackend} on an in-process {@link InternVL} engine: {@link VisionTasks} with the given
 * {@link VisionTaskOptions} (tiles, generation; greedy decoding of up to 1024 tokens by default). As thread-safe as
 * the engine, which decodes concurrent requests together and refuses those beyond its queue with a
 * {@link java.util.concurrent.RejectedExecutionException}.
 */
public final class InternVLVisionBackend implements VisionBackend {

    private final ChatEngine engine;
    private final VisionTaskOptions options;

    public InternVLVisionBackend(ChatEngine engine) {
        this(engine, VisionTaskOptions.defaults());
    }

    public InternVLVisionBackend(ChatEngine engine, VisionTaskOptions options) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.options = options == null ? VisionTaskOptions.defaults() : options;
    }

    @Override
    public GroundingResult locate(RgbImage image, String phrase) {
        return VisionTasks.ground(engine, image, phrase, options);
    }

    @Override
    public GroundingResult detectAll(RgbImage image, String category) {
        return VisionTasks.detectAll(engine, image, category, options);
    }

    @Override
    public OcrResult readText(RgbImage image) {
        return VisionTasks.ocr(engine, image, options);
    }

    @Override
    public OcrResult readKeyValues(RgbImage image) {
        return VisionTasks.ocrKeyValues(engine, image, options);
    }

    @Override
    public String ask(RgbImage image, String question) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(question, "question");
        for (String marker : List.of(InternVLTokens.IMAGE_PLACEHOLDER, InternVLTokens.IMG_START,
                InternVLTokens.IMG_END, InternVLTokens.IMG_CONTEXT)) {
            if (question.contains(marker)) {
                throw new InvalidRequestException("the question must not contain " + marker
                        + ": the image is placed by the engine");
            }
        }
        GenerationOptions base = options.generation() != null ? options.generation() : GenerationOptions.defaults();
        ChatRequest request = ChatRequest.builder(question).image(image).maxTiles(options.maxTiles())
                .thumbnail(options.thumbnail())
                .generation(base.skipSpecialTokens() ? base : base.toBuilder().skipSpecialTokens(true).build())
                .build();
        return engine.chat(request).text();
    }

    @Override
    public String askAboutRegion(RgbImage image, String question, BoundingBox region) {
        return VisionTasks.askAboutRegion(engine, image, question, region, options);
    }

    /** The engine answering. */
    public ChatEngine engine() {
        return engine;
    }

    /** The options of every task. */
    public VisionTaskOptions options() {
        return options;
    }
}
