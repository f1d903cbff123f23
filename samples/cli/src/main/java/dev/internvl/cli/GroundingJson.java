package dev.internvl.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.internvl.grounding.BoundingBox;
import dev.internvl.grounding.GroundedRef;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import java.util.Map;

/**
 * The grounding commands' JSON (a contract, the shapes the HTTP API's grounding and OCR answers share):
 * {@code {"refs":[{"label":L,"boxes":[{"x1":..,"y1":..,"x2":..,"y2":..,"raw":[a,b,c,d]}]}],"raw":TEXT}} and
 * {@code {"text":..,"lines":[..],("fields":{..}),"raw":..}}, printed on one line, nulls kept, text not HTML-escaped.
 * Numbers as {@link BoundingBox#roundedPixel} and {@link BoundingBox#asWritten} write them.
 */
final class GroundingJson {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private GroundingJson() {
    }

    static String toJson(JsonElement e) {
        return GSON.toJson(e);
    }

    /** The refs and the raw text of a grounding answer. */
    static JsonObject grounding(GroundingResult r) {
        JsonArray refs = new JsonArray();
        for (GroundedRef ref : r.refs()) {
            JsonObject o = new JsonObject();
            o.addProperty("label", ref.label());
            JsonArray boxes = new JsonArray();
            for (BoundingBox b : ref.boxes()) {
                JsonObject box = new JsonObject();
                box.addProperty("x1", BoundingBox.roundedPixel(b.x1()));
                box.addProperty("y1", BoundingBox.roundedPixel(b.y1()));
                box.addProperty("x2", BoundingBox.roundedPixel(b.x2()));
                box.addProperty("y2", BoundingBox.roundedPixel(b.y2()));
                JsonArray raw = new JsonArray();
                for (double v : b.raw()) {
                    raw.add(new JsonPrimitive(BoundingBox.asWritten(v)));
                }
                box.add("raw", raw);
                boxes.add(box);
            }
            o.add("boxes", boxes);
            refs.add(o);
        }
        JsonObject out = new JsonObject();
        out.add("refs", refs);
        out.addProperty("raw", r.raw());
        return out;
    }

    /** Adds the text, lines, (key/value fields) and raw answer of an OCR result to {@code out}. */
    static JsonObject ocr(JsonObject out, OcrResult r, boolean withFields) {
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
        return out;
    }
}
