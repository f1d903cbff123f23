package dev.internvl.spring.ai.tools;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.internvl.InvalidRequestException;
import dev.internvl.grounding.BoundingBox;
import java.util.Locale;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * {@code ask_about_region(image, box, question, mode?)}: a question about one region of an image.
 *
 * <ul>
 *   <li>{@code crop} (the default): the region is cut out ({@link CropRegionTool}) and the question asked about the
 *       crop alone. The model sees the region at full resolution (small text, details) and nothing else, so it
 *       works for any question and any checkpoint.</li>
 *   <li>{@code refer}: the whole image is shown and the question points at the region with InternVL's
 *       region-referring tag, {@code <ref>region</ref><box>[[x1, y1, x2, y2]]</box>} in 0-1000 coordinates
 *       ({@link dev.internvl.grounding.VisionTasks#askAboutRegion}); a {@code {region}} placeholder in the question
 *       places the tag, otherwise it follows the question. Keeps the context (questions about the region's
 *       relation to the rest), at the resolution of the whole image.</li>
 * </ul>
 */
public final class AskAboutRegionTool implements VisionTool<AskAboutRegionTool.Input> {

    /** Cut the region out and ask about the crop. */
    public static final String CROP = "crop";

    /** Ask about the whole image, pointing at the region with InternVL's region tag. */
    public static final String REFER = "refer";

    /** Arguments. */
    @JsonPropertyOrder({"image", "box", "question", "mode"})
    public record Input(
            @ToolParam(description = VisionTools.IMAGE_ARGUMENT) String image,
            @ToolParam(description = "The region, in pixels of the image, e.g. a box returned by locate_objects")
            Box box,
            @ToolParam(description = "The question about the region") String question,
            @ToolParam(required = false, description = "'crop' (default): ask about the region cut out, at full "
                    + "resolution; 'refer': show the whole image and point at the region, to keep its context")
            String mode) {
    }

    /** Result. */
    public record Result(String image, Box region, String question, String mode, String answer) {
    }

    @Override
    public String name() {
        return VisionTools.ASK_ABOUT_REGION;
    }

    @Override
    public String description() {
        return "Asks the InternVL vision model a question about one region of an image, given as a box in pixels "
                + "(for example from locate_objects): what the object is, what it says, its colour or state. By "
                + "default the region is cut out and examined at full resolution; mode 'refer' shows the whole "
                + "image with the region marked instead, for questions that need the surroundings. Returns {image, "
                + "region, question, mode, answer}.";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public Result call(Input in, VisionToolContext context) {
        if (in.question() == null || in.question().isBlank()) {
            throw new InvalidRequestException("question is required: what to ask about the region");
        }
        String mode = in.mode() == null || in.mode().isBlank() ? CROP : in.mode().strip().toLowerCase(Locale.ROOT);
        if (!mode.equals(CROP) && !mode.equals(REFER)) {
            throw new InvalidRequestException("mode must be 'crop' or 'refer', got '" + in.mode() + "'");
        }
        StoredImage image = context.image(in.image());
        String question = in.question().strip();
        if (mode.equals(CROP)) {
            CropRegionTool.Crop crop = CropRegionTool.crop(image, in.box());
            return new Result(image.id(), crop.region(), question, mode, context.vision().ask(crop.pixels(), question));
        }
        if (in.box() == null) {
            throw new InvalidRequestException("box is required: the region in pixels, {\"x1\":..,\"y1\":..,"
                    + "\"x2\":..,\"y2\":..}, e.g. a box returned by locate_objects");
        }
        BoundingBox region = in.box().toPixels(image);
        String answer = context.vision().askAboutRegion(image.image(), question, region);
        return new Result(image.id(), Box.of(in.box().label(), region, image.width(), image.height()), question, mode,
                answer);
    }
}
