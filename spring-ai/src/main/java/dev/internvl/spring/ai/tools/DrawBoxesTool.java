package dev.internvl.spring.ai.tools;

import dev.internvl.image.ImageEncoder;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.internvl.InvalidRequestException;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * {@code draw_boxes(image, boxes, include_data_uri?)}: a copy of the image with the boxes outlined and labelled,
 * stored as a new image ({@link BoxPainter}). The PNG's {@code data:} URI is included when asked for and no longer
 * than the store's data URI limit.
 */
public final class DrawBoxesTool implements VisionTool<DrawBoxesTool.Input> {

    /** Arguments. */
    @JsonPropertyOrder({"image", "boxes", "include_data_uri"})
    public record Input(
            @ToolParam(description = VisionTools.IMAGE_ARGUMENT) String image,
            @ToolParam(description = "The boxes to draw, in pixels of the image, e.g. as returned by locate_objects; "
                    + "each label is written on its box") List<Box> boxes,
            @JsonProperty("include_data_uri") @ToolParam(required = false, description = "true to also return the "
                    + "drawn image as a PNG data: URI (large; only when it must be shown directly)")
            Boolean includeDataUri) {
    }

    /**
     * Result: the new image's id and size, the number of boxes drawn, whether labels were drawn, and the PNG data
     * URI or a note saying why it is missing (only when asked for).
     */
    public record Result(
            String image,
            String source,
            int width,
            int height,
            int boxes,
            @JsonProperty("labels_drawn") boolean labelsDrawn,
            @JsonProperty("data_uri") String dataUri,
            String note) {
    }

    @Override
    public String name() {
        return VisionTools.DRAW_BOXES;
    }

    @Override
    public String description() {
        return "Draws boxes with their labels on a copy of an image, to show a user what was found (for example "
                + "the boxes returned by locate_objects), and stores it as a new image. Returns {image: the new "
                + "image id, source, width, height, boxes: how many were drawn, labels_drawn}; with "
                + "include_data_uri=true also data_uri, the PNG as a data: URI. Mention the new image id in your "
                + "answer so that the application can show it.";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public Result call(Input in, VisionToolContext context) {
        StoredImage source = context.image(in.image());
        if (in.boxes() == null) {
            throw new InvalidRequestException("boxes is required: a list of boxes in pixels, "
                    + "[{\"label\":..,\"x1\":..,\"y1\":..,\"x2\":..,\"y2\":..}], e.g. as returned by locate_objects");
        }
        List<BoxPainter.Labelled> boxes = new ArrayList<>();
        for (int i = 0; i < in.boxes().size(); i++) {
            Box box = in.boxes().get(i);
            if (box == null) {
                throw new InvalidRequestException("boxes[" + i + "] is null");
            }
            try {
                boxes.add(new BoxPainter.Labelled(box.toPixels(source), box.label()));
            } catch (InvalidRequestException e) {
                throw new InvalidRequestException("boxes[" + i + "]: " + e.getMessage(), e);
            }
        }
        BoxPainter.Painted painted = BoxPainter.paint(source.image(), boxes);
        StoredImage stored = context.store(painted.image());
        String dataUri = null;
        String note = null;
        if (Boolean.TRUE.equals(in.includeDataUri())) {
            String uri = ImageEncoder.pngDataUri(painted.image());
            if (uri.length() <= context.images().maxDataUriLength()) {
                dataUri = uri;
            } else {
                note = "the PNG data URI (" + uri.length() + " characters) is longer than the " 
                        + context.images().maxDataUriLength() + " allowed; refer to the image by its id";
            }
        }
        return new Result(stored.id(), source.id(), stored.width(), stored.height(), boxes.size(),
                painted.labelsDrawn(), dataUri, note);
    }
}
