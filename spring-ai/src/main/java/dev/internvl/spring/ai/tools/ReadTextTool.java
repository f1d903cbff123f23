package dev.internvl.spring.ai.tools;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.internvl.grounding.OcrResult;
import java.util.List;
import java.util.Map;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * {@code read_text(image, key_values?)}: OCR with InternVL ({@link dev.internvl.grounding.OcrPrompts#READ_ALL}), or
 * with {@code key_values=true} the key information as {@code key: value} pairs
 * ({@link dev.internvl.grounding.OcrPrompts#KEY_VALUES}, read by {@link OcrResult#keyValues()}).
 */
public final class ReadTextTool implements VisionTool<ReadTextTool.Input> {

    /** Arguments. */
    @JsonPropertyOrder({"image", "key_values"})
    public record Input(
            @ToolParam(description = VisionTools.IMAGE_ARGUMENT) String image,
            @JsonProperty("key_values") @ToolParam(required = false, description = "true to extract the key "
                    + "information (fields of a receipt, form or ID) as key/value pairs; false or absent to read all "
                    + "the text") Boolean keyValues) {
    }

    /** Result; {@code key_values} only when asked for. */
    public record Result(
            String image,
            String text,
            List<String> lines,
            @JsonProperty("key_values") Map<String, String> keyValues) {
    }

    @Override
    public String name() {
        return VisionTools.READ_TEXT;
    }

    @Override
    public String description() {
        return "Reads the text in an image (OCR) with the InternVL vision model: documents, receipts, signs, "
                + "screenshots. Returns {image, text, lines}; with key_values=true it extracts the key information "
                + "instead and adds key_values, an object of field names to values. To read one part of an image, "
                + "crop it first with crop_region.";
    }

    @Override
    public Class<Input> inputType() {
        return Input.class;
    }

    @Override
    public Result call(Input in, VisionToolContext context) {
        StoredImage image = context.image(in.image());
        boolean fields = Boolean.TRUE.equals(in.keyValues());
        OcrResult r = fields ? context.vision().readKeyValues(image.image()) : context.vision().readText(image.image());
        return new Result(image.id(), r.text(), r.lines(), fields ? r.keyValues() : null);
    }
}
