package dev.internvl.spring.web;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.internvl.grounding.BoundingBox;
import dev.internvl.grounding.GroundedRef;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import java.util.Map;

/**
 * The JSON of grounding and OCR results, the shapes the CLI's {@code ground} and {@code ocr} commands print: pixel
 * coordinates rounded half to even to 3 decimals, the model's 0-1000 numbers as written, labels null when absent.
 */
final class VisionJson {

    private VisionJson() {
    }

    static JsonObject envelope(String model, RgbImage image) {
        JsonObject out = new JsonObject();
        out.addProperty("model", model);
        JsonObject size = new JsonObject();
        size.addProperty("width", image.width());
        size.addProperty("height", image.height());
        out.add("image", size);
        return out;
    }

    static JsonObject grounding(String phrase, GroundingResult r) {
        JsonArray refs = new JsonArray();
        for (GroundedRef ref : r.refs()) {
            JsonObject o = new JsonObject();
            o.addProperty("label", ref.label());
            JsonArray boxes = new JsonArray();
            for (BoundingBox b : ref.boxes()) {
                JsonObject box = new JsonObject();
                box.add("x1", Json.pixel(b.x1()));
                box.add("y1", Json.pixel(b.y1()));
                box.add("x2", Json.pixel(b.x2()));
                box.add("y2", Json.pixel(b.y2()));
                JsonArray raw = new JsonArray();
                for (double v : b.raw()) {
                    raw.add(Json.number(v));
                }
                box.add("raw", raw);
                boxes.add(box);
            }
            o.add("boxes", boxes);
            refs.add(o);
        }
        JsonObject out = new JsonObject();
        out.addProperty("phrase", phrase);
        out.add("refs", refs);
        out.addProperty("raw", r.raw());
        return out;
    }

    static void ocr(JsonObject out, OcrResult r, boolean withFields) {
        out.addProperty("text", r.text());
        JsonArray lines = new JsonArray();
        r.lines().forEach(lines::add);
        out.add("lines", lines);
        if (withFields) {
            JsonObject fields = new JsonObject();
            for (Map.Entry<String, String> e : r.keyValues().entrySet()) {
                fields.addProperty(e.getKey(), e.getValue());
            }
            out.add("fields", fields);
        }
        out.addProperty("raw", r.raw());
    }
}
