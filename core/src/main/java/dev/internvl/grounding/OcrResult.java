package dev.internvl.grounding;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Text read from an image.
 *
 * @param text  the answer stripped, without a Markdown code fence wrapping all of it
 * @param lines the non-blank lines of {@code text}, each stripped
 * @param raw   the model's answer, unchanged
 */
public record OcrResult(String text, List<String> lines, String raw) {

    public OcrResult {
        Objects.requireNonNull(text, "text");
        lines = List.copyOf(Objects.requireNonNull(lines, "lines"));
        raw = raw == null ? "" : raw;
    }

    /** Reads a model's answer; never throws (null reads as empty). */
    public static OcrResult of(String raw) {
        String r = raw == null ? "" : raw;
        String text = unfence(r.strip());
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\\R", -1)) {
            String l = line.strip();
            if (!l.isEmpty()) {
                lines.add(l);
            }
        }
        return new OcrResult(text, lines, r);
    }

    /** The {@code key: value} lines of the text, in order ({@link KeyValueParser}). */
    public Map<String, String> keyValues() {
        return KeyValueParser.parse(text);
    }

    /** {@code text} without a code fence around all of it (```lang ... ```). */
    static String unfence(String text) {
        if (text.length() >= 6 && text.startsWith("```") && text.endsWith("```")) {
            int firstBreak = text.indexOf('\n');
            if (firstBreak > 0 && firstBreak < text.length() - 3) {
                return text.substring(firstBreak + 1, text.length() - 3).strip();
            }
        }
        return text;
    }
}
