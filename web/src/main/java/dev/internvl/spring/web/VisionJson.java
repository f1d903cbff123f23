package dev.internvl.spring.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.internvl.grounding.BoundingBox;
import dev.internvl.grounding.GroundedRef;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The JSON of grounding and OCR answers, the shapes the CLI's {@code ground} and {@code ocr} commands print: pixel
 * coordinates rounded half to even to 3 decimals, the model's 0-1000 numbers as written, integral numbers without a
 * fraction, labels null when absent.
 */
final class VisionJson {

    private VisionJson() {
    }

    record Size(int width, int height) {
        static Size of(RgbImage image) {
            return new Size(image.width(), image.height());
        }
    }

    /** {@code POST /v1/grounding}: the results of the phrases asked, in order. */
    record Grounded(String model, Size image, List<Phrase> results, boolean truncated) {
    }

    /** What the model found for one phrase, and its raw answer. */
    record Phrase(String phrase, List<Ref> refs, String raw) {
        static Phrase of(String phrase, GroundingResult r) {
            return new Phrase(phrase, r.refs().stream().map(Ref::of).toList(), r.raw());
        }
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Ref(String label, List<Box> boxes) {
        static Ref of(GroundedRef ref) {
            return new Ref(ref.label(), ref.boxes().stream().map(Box::of).toList());
        }
    }

    record Box(Number x1, Number y1, Number x2, Number y2, List<Number> raw) {
        static Box of(BoundingBox b) {
            return new Box(BoundingBox.roundedPixel(b.x1()), BoundingBox.roundedPixel(b.y1()),
                    BoundingBox.roundedPixel(b.x2()), BoundingBox.roundedPixel(b.y2()),
                    Arrays.stream(b.raw()).mapToObj(BoundingBox::asWritten).toList());
        }
    }

    /** {@code POST /v1/ocr}: the text, its non-blank lines, with {@code key_values} its fields, the raw answer. */
    record Read(String model, Size image, String text, List<String> lines,
            @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> fields, String raw, boolean truncated) {
        static Read of(String model, RgbImage image, OcrResult r, boolean withFields, boolean truncated) {
            return new Read(model, Size.of(image), r.text(), r.lines(), withFields ? r.keyValues() : null, r.raw(),
                    truncated);
        }
    }
}
