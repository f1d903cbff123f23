package dev.internvl.spring.ai.tools;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.internvl.grounding.BoundingBox;
import dev.internvl.grounding.GroundedRef;
import dev.internvl.grounding.GroundingResult;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * {@code locate_objects(image, phrase, all?)}: grounding with InternVL. Without {@code all} (or false) it asks for
 * the one region the phrase describes ({@link dev.internvl.grounding.GroundingPrompts#LOCATE}); with
 * {@code all=true} for every instance ({@link dev.internvl.grounding.GroundingPrompts#DETECT_ALL}). Boxes come back
 * in pixels of the image; a box the model wrote without a {@code <ref>} label gets the phrase as its label.
 */
public final class LocateObjectsTool implements VisionTool<LocateObjectsTool.Input> {

    /** Arguments. */
    @JsonPropertyOrder({"image", "phrase", "all"})
    public record Input(
            @ToolParam(description = VisionTools.IMAGE_ARGUMENT) String image,
            @ToolParam(description = "What to find: a referring expression such as 'the man in the red hat', or "
                    + "with all=true a kind of object such as 'car'") String phrase,
            @ToolParam(required = false, description = "true to find every instance (detection); false or absent "
                    + "for the one region the phrase describes") Boolean all) {
    }

    /** Result. */
    public record Result(
            String image,
            @JsonProperty("image_width") int imageWidth,
            @JsonProperty("image_height") int imageHeight,
            String phrase,
            int count,
            List<Box> boxes,
            String answer) {
    }

    @Override
    public String name() {
        return VisionTools.LOCATE_OBJECTS;
    }

    @Override
    public String description() {
        return "Finds things in an image with the InternVL vision model and returns their bounding boxes in pixels of "
                + "the image (origin at the top-left corner). Use it to answer 'where is ...', to count instances "
                + "(all=true), or to get boxes for crop_region, ask_about_region or draw_boxes, which accept the "
                + "boxes exactly as returned. Returns {image, image_width, image_height, phrase, count, boxes: "
                + "[{label, x1, y1, x2, y2, raw, image_width, image_height}], answer}; raw is the model's 0-1000 "
                + "coordinates, answer its text. No boxes means nothing was found.";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public Result call(Input in, VisionToolContext context) {
        if (in.phrase() == null || in.phrase().isBlank()) {
            throw new IllegalArgumentException("phrase is required: say what to find, e.g. 'the red car'");
        }
        StoredImage image = context.image(in.image());
        String phrase = in.phrase().strip();
        GroundingResult found = Boolean.TRUE.equals(in.all())
                ? context.vision().detectAll(image.image(), phrase)
                : context.vision().locate(image.image(), phrase);
        List<Box> boxes = boxes(found, phrase, image.width(), image.height());
        return new Result(image.id(), image.width(), image.height(), phrase, boxes.size(), boxes, found.raw());
    }

    /** The boxes of a grounding result, flattened in the order written, unlabelled ones labelled {@code phrase}. */
    static List<Box> boxes(GroundingResult found, String phrase, int width, int height) {
        List<Box> boxes = new ArrayList<>();
        for (GroundedRef ref : found.refs()) {
            String label = ref.label() != null ? ref.label() : phrase;
            for (BoundingBox b : ref.boxes()) {
                boxes.add(Box.of(label, b, width, height));
            }
        }
        return boxes;
    }
}
