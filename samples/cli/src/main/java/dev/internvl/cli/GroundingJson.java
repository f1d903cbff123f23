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
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * The JSON the grounding commands print (a contract): one line,
 * {@code {"refs":[{"label":L,"boxes":[{"x1":..,"y1":..,"x2":..,"y2":..,"raw":[a,b,c,d]}]}],"raw":TEXT}}.
 * Pixel coordinates are rounded half to even to 3 decimals, integral numbers are written without a fraction,
 * a missing label is {@code null}, and text is not HTML-escaped.
 */
final class GroundingJson {

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private GroundingJson() {
    }

    static String toJson(JsonElement e) {
        return GSON.toJson(e);
    }

    static JsonObject grounding(GroundingResult r) {
        JsonArray refs = new JsonArray();
        for (GroundedRef ref : r.refs()) {
            JsonObject o = new JsonObject();
            o.addProperty("label", ref.label());
            JsonArray boxes = new JsonArray();
            for (BoundingBox b : ref.boxes()) {
                JsonObject box = new JsonObject();
                box.add("x1", pixel(b.x1()));
                box.add("y1", pixel(b.y1()));
                box.add("x2", pixel(b.x2()));
                box.add("y2", pixel(b.y2()));
                JsonArray raw = new JsonArray();
                for (double v : b.raw()) {
                    raw.add(number(v));
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

    static JsonObject ocr(OcrResult r, boolean withFields) {
        JsonObject out = new JsonObject();
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

    /** A pixel coordinate: 3 decimals at most. */
    static JsonPrimitive pixel(double v) {
        BigDecimal d = BigDecimal.valueOf(v).setScale(3, RoundingMode.HALF_EVEN).stripTrailingZeros();
        return d.scale() <= 0 ? new JsonPrimitive(d.longValue()) : new JsonPrimitive(d);
    }

    /** A number as the model wrote it: without a fraction when integral. */
    static JsonPrimitive number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return new JsonPrimitive((long) v);
        }
        return new JsonPrimitive(BigDecimal.valueOf(v));
    }
}
