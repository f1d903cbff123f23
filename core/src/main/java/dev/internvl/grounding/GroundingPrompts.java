package dev.internvl.grounding;

import dev.internvl.InvalidRequestException;
import dev.internvl.text.InternVLTokens;
import java.util.Locale;
import java.util.Objects;

/**
 * Questions that make InternVL answer with boxes, and the region tag that points it at a box.
 *
 * <p>{@code {}} in a template is replaced by the phrase (a plain replacement, like Python's
 * {@code str.format}). Phrases must not contain InternVL's own markers ({@code <ref>}, {@code <box>},
 * {@code <image>}, ...): they would change the prompt's structure, so they are refused. Questions may hold
 * grounding tags but no image markers.
 */
public final class GroundingPrompts {

    /** The prompt of the official RefCOCO evaluation: one box for a referring expression. */
    public static final String LOCATE =
            "Please provide the bounding box coordinate of the region this sentence describes: <ref>{}</ref>";

    /** The prompt of the official demo. */
    public static final String DETECT = "Detect the <ref>{}</ref> in the image with its bounding box.";

    /** Every instance of one kind of object (this project's wording). */
    public static final String DETECT_ALL =
            "Please detect all instances of <ref>{}</ref> in the image and give the bounding box of each one.";

    /** Every object, each labelled (the wording of InternVL's detection training data). */
    public static final String DETECT_EVERYTHING =
            "Please detect and label all objects in the following image and mark their positions.";

    /** Where {@link #aboutRegion(String, BoundingBox)} puts the region tag in a question. */
    public static final String REGION_PLACEHOLDER = "{region}";

    /** A question about a region (this project's wording). */
    public static final String DESCRIBE_REGION = "Please provide a short description for this region: {region}";

    private GroundingPrompts() {
    }

    /** {@link #LOCATE} for {@code phrase}. */
    public static String locate(String phrase) {
        return fill(LOCATE, phrase);
    }

    /** {@link #DETECT} for {@code phrase}. */
    public static String detect(String phrase) {
        return fill(DETECT, phrase);
    }

    /** {@link #DETECT_ALL} for {@code category}. */
    public static String detectAll(String category) {
        return fill(DETECT_ALL, category);
    }

    /** {@code template} with its {@code {}} replaced by the checked, stripped {@code phrase}. */
    public static String fill(String template, String phrase) {
        Objects.requireNonNull(template, "template");
        if (!template.contains("{}")) {
            throw new IllegalArgumentException("the template has no {} for the phrase: " + template);
        }
        return template.replace("{}", checkPhrase(phrase));
    }

    /**
     * {@code <ref>region</ref><box>[[x1, y1, x2, y2]]</box>} for {@code region}: its 0-1000 values, clamped,
     * ordered and rounded half to even ({@link BoundingBox#normalized()}). Build a region from pixels with
     * {@link BoundingBox#ofPixels(double, double, double, double, int, int)}.
     */
    public static String regionTag(BoundingBox region) {
        int[] v = Objects.requireNonNull(region, "region").normalized();
        return String.format(Locale.ROOT, "<ref>region</ref><box>[[%d, %d, %d, %d]]</box>", v[0], v[1], v[2], v[3]);
    }

    /**
     * {@code question} with every {@link #REGION_PLACEHOLDER} replaced by the region tag; without a placeholder,
     * the tag goes after the question, separated by a space.
     */
    public static String aboutRegion(String question, BoundingBox region) {
        Objects.requireNonNull(question, "question");
        String tag = regionTag(region);
        if (question.contains(REGION_PLACEHOLDER)) {
            checkImageMarkers(question);
            return question.replace(REGION_PLACEHOLDER, tag);
        }
        checkImageMarkers(question);
        String q = question.strip();
        return q.isEmpty() ? tag : q + " " + tag;
    }

    /** The phrase stripped; refuses null, blank and phrases holding InternVL's markers. */
    static String checkPhrase(String phrase) {
        if (phrase == null || phrase.isBlank()) {
            throw new InvalidRequestException("the phrase to ground is empty");
        }
        checkNoMarkers(phrase, "the phrase");
        return phrase.strip();
    }

    /** Questions may hold grounding tags of their own, but no image markers: images are placed by the engine. */
    static void checkImageMarkers(String question) {
        for (String marker : new String[] {InternVLTokens.IMAGE_PLACEHOLDER, InternVLTokens.IMG_START,
                InternVLTokens.IMG_END, InternVLTokens.IMG_CONTEXT}) {
            if (question.contains(marker)) {
                throw new InvalidRequestException("the question must not contain " + marker
                        + ": the image is placed by the engine");
            }
        }
    }

    private static void checkNoMarkers(String text, String what) {
        if (text.contains(InternVLTokens.IMAGE_PLACEHOLDER)) {
            throw new InvalidRequestException(what + " must not contain " + InternVLTokens.IMAGE_PLACEHOLDER);
        }
        for (String marker : InternVLTokens.ALL) {
            if (text.contains(marker)) {
                throw new InvalidRequestException(what + " must not contain " + marker);
            }
        }
    }
}
