package dev.internvl.grounding;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * The JSON shapes of grounding and OCR results, shared by the CLI (a contract) and the HTTP endpoints:
 * {@code {"refs":[{"label":L,"boxes":[{"x1":..,"y1":..,"x2":..,"y2":..,"raw":[a,b,c,d]}]}],"raw":TEXT}} and
 * {@code {"text":..,"lines":[..],("fields":{..}),"raw":..}}. Pixel coordinates are rounded half to even to 3 decimals,
 * integral numbers are written without a fraction, and a missing label is {@code null} (serialize nulls).
 */
public final class GroundingJson {

    private GroundingJson() {
    }

    /** The refs and the raw text of a grounding answer. */
    public static JsonObject grounding(GroundingResult r) {
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

    /** Adds the text, lines, (key/value fields) and raw answer of an OCR result to {@code out}. */
    public static JsonObject ocr(JsonObject out, OcrResult r, boolean withFields) {
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

    /** A pixel coordinate: rounded half to even to 3 decimals, without a fraction when integral. */
    public static JsonPrimitive pixel(double v) {
        BigDecimal d = BigDecimal.valueOf(v).setScale(3, RoundingMode.HALF_EVEN).stripTrailingZeros();
        return d.scale() <= 0 ? new JsonPrimitive(d.longValue()) : new JsonPrimitive(d);
    }

    /** A number as the model wrote it: without a fraction when integral. */
    public static JsonPrimitive number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return new JsonPrimitive((long) v);
        }
        return new JsonPrimitive(BigDecimal.valueOf(v));
    }
}
