package dev.internvl.spring.ai.tools;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.internvl.InvalidRequestException;
import dev.internvl.grounding.BoundingBox;
import dev.internvl.image.RgbImage;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * {@code crop_region(image, box)}: the pixels inside a box, stored as a new image. The box is clamped to the image
 * and widened to whole pixels (left and top edges rounded down, right and bottom up); the {@code region} of the
 * result is that rectangle in the source image, so a position {@code (x, y)} in the crop is
 * {@code (region.x1 + x, region.y1 + y)} in the source.
 */
public final class CropRegionTool implements VisionTool<CropRegionTool.Input> {

    /** Arguments. */
    @JsonPropertyOrder({"image", "box"})
    public record Input(
            @ToolParam(description = VisionTools.IMAGE_ARGUMENT) String image,
            @ToolParam(description = "The region to cut out, in pixels of the image, e.g. a box returned by "
                    + "locate_objects") Box box) {
    }

    /** Result: the new image's id and size, and the region it was cut from. */
    public record Result(String image, String source, int width, int height, Box region) {
    }

    @Override
    public String name() {
        return VisionTools.CROP_REGION;
    }

    @Override
    public String description() {
        return "Cuts a region out of an image and stores it as a new image, to look at it closer with the other "
                + "tools (small text, details): the crop is shown to the vision model at full resolution. Returns "
                + "{image: the new image id, source, width, height, region: the box cut out, in pixels of the "
                + "source}. Boxes found later in the crop are in the crop's pixels.";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public Result call(Input in, VisionToolContext context) {
        StoredImage source = context.image(in.image());
        Crop crop = crop(source, in.box());
        StoredImage stored = context.store(crop.pixels());
        return new Result(stored.id(), source.id(), stored.width(), stored.height(), crop.region());
    }

    /** A crop and the rectangle of the source it was cut from. */
    record Crop(RgbImage pixels, Box region) {
    }

    /** The whole pixels {@code box} covers in {@code source}; refuses a box without area. */
    static Crop crop(StoredImage source, Box box) {
        if (box == null) {
            throw new InvalidRequestException("box is required: the region in pixels, {\"x1\":..,\"y1\":..,"
                    + "\"x2\":..,\"y2\":..}, e.g. a box returned by locate_objects");
        }
        BoundingBox b = box.toPixels(source);
        int x1 = (int) Math.floor(b.x1());
        int y1 = (int) Math.floor(b.y1());
        int x2 = (int) Math.ceil(b.x2());
        int y2 = (int) Math.ceil(b.y2());
        if (b.x2() <= b.x1() || b.y2() <= b.y1() || x2 <= x1 || y2 <= y1) {
            throw new InvalidRequestException("the box [x1=" + box.x1() + ", y1=" + box.y1() + ", x2=" + box.x2()
                    + ", y2=" + box.y2() + "] covers no area of image '" + source.id() + "' (" + source.width() + "x"
                    + source.height() + " pixels)");
        }
        RgbImage pixels = source.image().crop(x1, y1, x2 - x1, y2 - y1);
        BoundingBox whole = BoundingBox.ofPixels(x1, y1, x2, y2, source.width(), source.height());
        return new Crop(pixels, Box.of(box.label(), whole, source.width(), source.height()));
    }
}
