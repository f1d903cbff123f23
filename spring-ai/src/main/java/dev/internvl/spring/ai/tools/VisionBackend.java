package dev.internvl.spring.ai.tools;

import dev.internvl.grounding.BoundingBox;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;

/**
 * What the vision tools ask of a vision-language model, one image at a time. {@link InternVLVisionBackend} answers
 * with the in-process engine through {@link dev.internvl.grounding.VisionTasks}; tests (or applications with another
 * model) can answer differently. Grounding results are in pixels of the image given.
 */
public interface VisionBackend {

    /** The box of the one region {@code phrase} describes. */
    GroundingResult locate(RgbImage image, String phrase);

    /** Every instance of {@code category}. */
    GroundingResult detectAll(RgbImage image, String category);

    /** All the text in the image. */
    OcrResult readText(RgbImage image);

    /** The key information of the image as {@code key: value} lines ({@link OcrResult#keyValues()}). */
    OcrResult readKeyValues(RgbImage image);

    /** The answer to a free-form question about the image. */
    String ask(RgbImage image, String question);

    /** The answer to a question about {@code region} of the image, pointing the model at it in the prompt. */
    String askAboutRegion(RgbImage image, String question, BoundingBox region);
}
