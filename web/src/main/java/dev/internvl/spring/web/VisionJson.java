package dev.internvl.spring.web;

import com.google.gson.JsonObject;
import dev.internvl.grounding.GroundingJson;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;

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
        JsonObject shape = GroundingJson.grounding(r);
        JsonObject out = new JsonObject();
        out.addProperty("phrase", phrase);
        out.add("refs", shape.get("refs"));
        out.add("raw", shape.get("raw"));
        return out;
    }

    static void ocr(JsonObject out, OcrResult r, boolean withFields) {
        GroundingJson.ocr(out, r, withFields);
    }
}
