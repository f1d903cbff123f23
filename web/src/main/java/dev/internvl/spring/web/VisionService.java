package dev.internvl.spring.web;

import dev.internvl.ChatEngine;
import dev.internvl.ChatListener;
import dev.internvl.InternVL;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.grounding.VisionTaskOptions;
import dev.internvl.grounding.VisionTasks;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the grounding and OCR endpoints ask the model: {@link VisionTasks} on an engine ({@link #of(InternVL)}).
 * An application may supply its own, e.g. one with other generation settings, or a test double that returns fixed
 * model text read by {@link dev.internvl.grounding.GroundingParser}.
 */
public interface VisionService {

    /**
     * Where {@code phrase} is in {@code image}: one region ({@link VisionTasks#ground}), or every instance when
     * {@code all} ({@link VisionTasks#detectAll}). Boxes are in pixels of {@code image}.
     *
     * @param maxTiles tiles per image at most, or null for the engine's setting
     * @param listener sees the answer's text and is polled before every step: when it says cancelled, the
     *                 generation stops and the boxes complete by then are returned
     */
    GroundingResult ground(RgbImage image, String phrase, boolean all, Integer maxTiles, ChatListener listener);

    /**
     * The text of {@code image} ({@link VisionTasks#ocr}), or its {@code key: value} fields when {@code keyValues}
     * ({@link VisionTasks#ocrKeyValues}).
     *
     * @param maxTiles tiles per image at most, or null for the engine's setting
     * @param listener sees the answer's text and is polled before every step: when it says cancelled, the
     *                 generation stops and the text read by then is returned
     */
    OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles, ChatListener listener);

    /**
     * The first text in {@code text} that the model's tokenizer would take for one of its added tokens
     * ({@code <|im_end|>}, {@code <|im_start|>}, ...), if any: such a phrase could forge the prompt's structure.
     * Empty by default.
     */
    default Optional<String> addedTokenIn(String text) {
        return Optional.empty();
    }

    /**
     * The cheap refusals, made before the image is decoded: a full engine (503), an image whose tokens alone fill the
     * context (400). Nothing by default.
     *
     * @param image    the image's size, from its header
     * @param maxTiles tiles per image at most, or null for the engine's setting
     */
    default void precheck(ImageDecoder.Header image, Integer maxTiles) {
    }

    /** {@link VisionTasks} on {@code engine}, greedy decoding of up to 1024 tokens. */
    static VisionService of(ChatEngine engine) {
        return of(engine, VisionTaskOptions.defaults());
    }

    /** {@link VisionTasks} on {@code engine} with {@code options} (their tiles are overridden per request). */
    static VisionService of(ChatEngine engine, VisionTaskOptions options) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(options, "options");
        return new VisionService() {
            @Override
            public GroundingResult ground(RgbImage image, String phrase, boolean all, Integer maxTiles,
                    ChatListener listener) {
                VisionTaskOptions o = options(maxTiles, listener);
                return all ? VisionTasks.detectAll(engine, image, phrase, o) : VisionTasks.ground(engine, image,
                        phrase, o);
            }

            @Override
            public Optional<String> addedTokenIn(String text) {
                return engine.addedTokenIn(text);
            }

            @Override
            public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles, ChatListener listener) {
                VisionTaskOptions o = options(maxTiles, listener);
                return keyValues ? VisionTasks.ocrKeyValues(engine, image, o) : VisionTasks.ocr(engine, image, o);
            }

            @Override
            public void precheck(ImageDecoder.Header image, Integer maxTiles) {
                engine.precheck(List.of(image), maxTiles, options.thumbnail());
            }

            private VisionTaskOptions options(Integer maxTiles, ChatListener listener) {
                VisionTaskOptions o = maxTiles == null ? options : options.withMaxTiles(maxTiles);
                return listener == null ? o : o.withListener(listener);
            }
        };
    }
}
