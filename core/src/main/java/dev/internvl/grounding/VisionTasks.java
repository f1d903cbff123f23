package dev.internvl.grounding;

import dev.internvl.ChatEngine;
import dev.internvl.ChatAnswer;
import dev.internvl.ChatListener;
import dev.internvl.ChatRequest;
import dev.internvl.InternVL;
import dev.internvl.image.RgbImage;
import java.util.Objects;

/**
 * Grounding, detection, OCR and region questions on one image, on top of {@link InternVL#chat(ChatRequest)}:
 * the calls that tools and HTTP endpoints make. Plain Java, stateless, as thread-safe as the engine.
 *
 * <p>Grounding calls decode with special tokens kept ({@code <ref>}, {@code <box>} are special tokens that the
 * default decoding removes) and read the answer with {@link GroundingParser}, in pixels of the image as given:
 * the original image, before tiling. Generation is greedy unless the options say otherwise.
 */
public final class VisionTasks {

    private VisionTasks() {
    }

    /** The box of the region {@code phrase} describes ({@link GroundingPrompts#LOCATE}). */
    public static GroundingResult ground(ChatEngine engine, RgbImage image, String phrase) {
        return ground(engine, image, phrase, VisionTaskOptions.defaults());
    }

    /** The box of the region {@code phrase} describes ({@link GroundingPrompts#LOCATE}). */
    public static GroundingResult ground(ChatEngine engine, RgbImage image, String phrase, VisionTaskOptions options) {
        return groundWith(engine, image, GroundingPrompts.locate(phrase), options);
    }

    /** The demo's form, {@link GroundingPrompts#DETECT}. */
    public static GroundingResult detect(ChatEngine engine, RgbImage image, String phrase) {
        return detect(engine, image, phrase, VisionTaskOptions.defaults());
    }

    /** The demo's form, {@link GroundingPrompts#DETECT}. */
    public static GroundingResult detect(ChatEngine engine, RgbImage image, String phrase, VisionTaskOptions options) {
        return groundWith(engine, image, GroundingPrompts.detect(phrase), options);
    }

    /** Every instance of {@code category} ({@link GroundingPrompts#DETECT_ALL}). */
    public static GroundingResult detectAll(ChatEngine engine, RgbImage image, String category) {
        return detectAll(engine, image, category, VisionTaskOptions.defaults());
    }

    /** Every instance of {@code category} ({@link GroundingPrompts#DETECT_ALL}). */
    public static GroundingResult detectAll(ChatEngine engine, RgbImage image, String category,
            VisionTaskOptions options) {
        return groundWith(engine, image, GroundingPrompts.detectAll(category), options);
    }

    /** Every object, labelled ({@link GroundingPrompts#DETECT_EVERYTHING}). */
    public static GroundingResult detectObjects(ChatEngine engine, RgbImage image) {
        return detectObjects(engine, image, VisionTaskOptions.defaults());
    }

    /** Every object, labelled ({@link GroundingPrompts#DETECT_EVERYTHING}). */
    public static GroundingResult detectObjects(ChatEngine engine, RgbImage image, VisionTaskOptions options) {
        return groundWith(engine, image, GroundingPrompts.DETECT_EVERYTHING, options);
    }

    /** Any question whose answer should carry boxes; decoded with special tokens kept and parsed. */
    public static GroundingResult groundWith(ChatEngine engine, RgbImage image, String question,
            VisionTaskOptions options) {
        ChatAnswer r = engine.chat(groundingRequest(image, question, options), listener(options));
        return GroundingParser.parse(r.text(), image.width(), image.height());
    }

    /** All the text in the image ({@link OcrPrompts#READ_ALL}). */
    public static OcrResult ocr(ChatEngine engine, RgbImage image) {
        return ocr(engine, image, VisionTaskOptions.defaults());
    }

    /** All the text in the image ({@link OcrPrompts#READ_ALL}). */
    public static OcrResult ocr(ChatEngine engine, RgbImage image, VisionTaskOptions options) {
        return ocrWith(engine, image, OcrPrompts.READ_ALL, options);
    }

    /** Key information as {@code key: value} lines ({@link OcrPrompts#KEY_VALUES}); see {@link OcrResult#keyValues()}. */
    public static OcrResult ocrKeyValues(ChatEngine engine, RgbImage image) {
        return ocrKeyValues(engine, image, VisionTaskOptions.defaults());
    }

    /** Key information as {@code key: value} lines ({@link OcrPrompts#KEY_VALUES}); see {@link OcrResult#keyValues()}. */
    public static OcrResult ocrKeyValues(ChatEngine engine, RgbImage image, VisionTaskOptions options) {
        return ocrWith(engine, image, OcrPrompts.KEY_VALUES, options);
    }

    /** Any text-reading question, answered as plain text. */
    public static OcrResult ocrWith(ChatEngine engine, RgbImage image, String question, VisionTaskOptions options) {
        return OcrResult.of(engine.chat(request(image, question, options, true), listener(options)).text());
    }

    /** {@link #askAboutRegion(InternVL, RgbImage, String, BoundingBox, VisionTaskOptions)} with default options. */
    public static String askAboutRegion(ChatEngine engine, RgbImage image, String question, BoundingBox region) {
        return askAboutRegion(engine, image, question, region, VisionTaskOptions.defaults());
    }

    /**
     * Answers {@code question} about {@code region} (see {@link GroundingPrompts#aboutRegion}: a
     * {@code {region}} placeholder in the question, or the tag after it). Build the region from pixels with
     * {@link BoundingBox#ofPixels(double, double, double, double, int, int)} and the image's size.
     */
    public static String askAboutRegion(ChatEngine engine, RgbImage image, String question, BoundingBox region,
            VisionTaskOptions options) {
        return engine.chat(request(image, GroundingPrompts.aboutRegion(question, region), options, true),
                listener(options)).text();
    }

    private static ChatListener listener(VisionTaskOptions options) {
        return options == null ? ChatListener.SILENT : options.listener();
    }

    /** The request of a grounding task: special tokens kept. */
    static ChatRequest groundingRequest(RgbImage image, String question, VisionTaskOptions options) {
        return request(image, question, options, false);
    }

    static ChatRequest request(RgbImage image, String question, VisionTaskOptions options, boolean skipSpecial) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(question, "question");
        GroundingPrompts.checkImageMarkers(question);
        VisionTaskOptions o = options == null ? VisionTaskOptions.defaults() : options;
        return ChatRequest.builder(question).image(image).maxTiles(o.maxTiles()).thumbnail(o.thumbnail())
                .generation(o.generation(skipSpecial)).build();
    }
}
