package dev.internvl.spring.ai.tools;

import java.util.List;

/** The built-in vision tools and their names. */
public final class VisionTools {

    /** {@link LocateObjectsTool}. */
    public static final String LOCATE_OBJECTS = "locate_objects";

    /** {@link ReadTextTool}. */
    public static final String READ_TEXT = "read_text";

    /** {@link DescribeImageTool}. */
    public static final String DESCRIBE_IMAGE = "describe_image";

    /** {@link CropRegionTool}. */
    public static final String CROP_REGION = "crop_region";

    /** {@link AskAboutRegionTool}. */
    public static final String ASK_ABOUT_REGION = "ask_about_region";

    /** {@link DrawBoxesTool}. */
    public static final String DRAW_BOXES = "draw_boxes";

    /** The description of every {@code image} argument. */
    static final String IMAGE_ARGUMENT = "The image: an image id (img-...) exactly as the application or a previous "
            + "tool gave it, or a data: URI (data:image/png;base64,...)";

    private VisionTools() {
    }

    /** New instances of the six built-in tools, in this order: locate, read, describe, crop, ask, draw. */
    public static List<VisionTool<?>> builtIn() {
        return List.of(new LocateObjectsTool(), new ReadTextTool(), new DescribeImageTool(), new CropRegionTool(),
                new AskAboutRegionTool(), new DrawBoxesTool());
    }

    /** The names of the built-in tools, in the order of {@link #builtIn()}. */
    public static List<String> builtInNames() {
        return List.of(LOCATE_OBJECTS, READ_TEXT, DESCRIBE_IMAGE, CROP_REGION, ASK_ABOUT_REGION, DRAW_BOXES);
    }
}
