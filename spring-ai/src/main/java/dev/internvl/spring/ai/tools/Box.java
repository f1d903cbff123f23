package dev.internvl.spring.ai.tools;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.internvl.InvalidRequestException;
import dev.internvl.grounding.BoundingBox;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * A box as tools write and read it: pixel coordinates of one image, with the label and the model's own numbers.
 * Tools that find things ({@code locate_objects}) return boxes of this shape; tools that take a region
 * ({@code crop_region}, {@code ask_about_region}, {@code draw_boxes}) accept the same shape back, so a model can
 * pass a returned box on unchanged. Only {@code x1, y1, x2, y2} are needed as input.
 *
 * <p>JSON: {@code {"label":"the red car","x1":103.761,"y1":300.16,"x2":238.266,"y2":477.44,
 * "raw":[243,469,558,746],"image_width":427,"image_height":640}}.
 *
 * @param label       what the box shows (the grounded phrase); may be null
 * @param x1          left edge, pixels from the image's left side
 * @param y1          top edge, pixels from the image's top
 * @param x2          right edge ({@code x1 <= x2 <= image_width})
 * @param y2          bottom edge ({@code y1 <= y2 <= image_height})
 * @param raw         the four numbers the model wrote, in InternVL's 0-1000 space ({@code x / W * 1000}); may be
 *                    null, ignored as input
 * @param imageWidth  width of the image the pixels refer to; when given as input it must match the image
 * @param imageHeight height of the image the pixels refer to; when given as input it must match the image
 */
@JsonPropertyOrder({"label", "x1", "y1", "x2", "y2", "raw", "image_width", "image_height"})
public record Box(
        @ToolParam(required = false, description = "What the box shows, e.g. the phrase it was found for") String label,
        @ToolParam(description = "Left edge in pixels of the image, from its left side") Double x1,
        @ToolParam(description = "Top edge in pixels of the image, from its top") Double y1,
        @ToolParam(description = "Right edge in pixels (x1 <= x2 <= image width)") Double x2,
        @ToolParam(description = "Bottom edge in pixels (y1 <= y2 <= image height)") Double y2,
        @ToolParam(required = false, description = "The model's own four numbers in InternVL's 0-1000 space "
                + "(informational; ignored as input)") List<Double> raw,
        @JsonProperty("image_width") @ToolParam(required = false, description = "Width in pixels of the image the "
                + "box belongs to; if given, it must match the image") Integer imageWidth,
        @JsonProperty("image_height") @ToolParam(required = false, description = "Height in pixels of the image the "
                + "box belongs to; if given, it must match the image") Integer imageHeight) {

    public Box {
        raw = raw == null ? null : List.copyOf(raw);
    }

    /**
     * The box of a grounding result in a {@code width x height} image: pixel coordinates rounded half to even to
     * 3 decimals (as the CLI writes them), raw numbers as the model wrote them.
     */
    public static Box of(String label, BoundingBox box, int width, int height) {
        return new Box(label, round(box.x1()), round(box.y1()), round(box.x2()), round(box.y2()),
                List.of(box.rawX1(), box.rawY1(), box.rawX2(), box.rawY2()), width, height);
    }

    /**
     * This box as pixels of {@code image}: the coordinates must be present and finite, and the size (if given) must
     * be the image's; the box is then ordered and clamped to the image
     * ({@link BoundingBox#ofPixels(double, double, double, double, int, int)}).
     *
     * @throws InvalidRequestException saying what is wrong with the box
     */
    public BoundingBox toPixels(StoredImage image) {
        if (x1 == null || y1 == null || x2 == null || y2 == null) {
            throw new InvalidRequestException("a box needs x1, y1, x2 and y2 in pixels, got " + describe());
        }
        for (double v : new double[] {x1, y1, x2, y2}) {
            if (!Double.isFinite(v)) {
                throw new InvalidRequestException("box coordinates must be finite numbers, got " + describe());
            }
        }
        if ((imageWidth != null && imageWidth != image.width())
                || (imageHeight != null && imageHeight != image.height())) {
            throw new InvalidRequestException("the box " + describe() + " belongs to an image of " + imageWidth + "x"
                    + imageHeight + " pixels, but image '" + image.id() + "' is " + image.width() + "x"
                    + image.height() + "; use boxes found on this image (boxes found in a crop are in the crop's "
                    + "pixels)");
        }
        return BoundingBox.ofPixels(x1, y1, x2, y2, image.width(), image.height());
    }

    private String describe() {
        return "[x1=" + x1 + ", y1=" + y1 + ", x2=" + x2 + ", y2=" + y2 + "]";
    }

    /** Half to even, 3 decimals, of the shortest decimal that reads back as {@code v} (as the CLI rounds). */
    static double round(double v) {
        return BigDecimal.valueOf(v).setScale(3, RoundingMode.HALF_EVEN).doubleValue();
    }
}
