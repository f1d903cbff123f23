package dev.internvl.spring.ai.tools;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.springframework.ai.tool.annotation.ToolParam;

/** {@code describe_image(image, question?)}: a description of the image, or the answer to a question about it. */
public final class DescribeImageTool implements VisionTool<DescribeImageTool.Input> {

    /** The question asked when none is given (InternVL's own description prompt). */
    public static final String DEFAULT_QUESTION = "Please describe the image in detail.";

    /** Arguments. */
    @JsonPropertyOrder({"image", "question"})
    public record Input(
            @ToolParam(description = VisionTools.IMAGE_ARGUMENT) String image,
            @ToolParam(required = false, description = "A question about the image; absent for a detailed "
                    + "description") String question) {
    }

    /** Result. */
    public record Result(String image, String question, String answer) {
    }

    @Override
    public String name() {
        return VisionTools.DESCRIBE_IMAGE;
    }

    @Override
    public String description() {
        return "Looks at an image with the InternVL vision model and describes it, or answers a question about it "
                + "(what is shown, colours, counts, actions, the scene). Returns {image, question, answer}. For "
                + "positions use locate_objects; for exact text use read_text.";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public Result call(Input in, VisionToolContext context) {
        StoredImage image = context.image(in.image());
        String question = in.question() == null || in.question().isBlank() ? DEFAULT_QUESTION : in.question().strip();
        return new Result(image.id(), question, context.vision().ask(image.image(), question));
    }
}
