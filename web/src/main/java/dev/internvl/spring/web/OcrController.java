package dev.internvl.spring.web;

import com.google.gson.JsonObject;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /v1/ocr}: the text of an image, as text and non-blank lines, with {@code key_values=true} also its
 * {@code key: value} fields. JSON ({@code {"image": base64 or data: URL}}) or multipart form data (an {@code image}
 * file).
 */
@RestController
public class OcrController extends ApiController {

    private final VisionService vision;
    private final List<String> modelNames;
    private final String modelId;
    private final ImageInputs images;

    public OcrController(VisionService vision, String modelId, ApiSettings settings) {
        super(Objects.requireNonNull(settings, "settings"));
        this.vision = Objects.requireNonNull(vision, "vision");
        // the names it answers to: ApiSettings#servedModelNames, else modelId; the first is the one reported
        this.modelNames = settings.modelNames(Objects.requireNonNull(modelId, "modelId"));
        this.modelId = modelNames.get(0);
        this.images = new ImageInputs(settings);
    }

    @PostMapping(ApiPaths.OCR)
    public void ocr(HttpServletRequest request, HttpServletResponse response) throws IOException {
        VisionRequest r = VisionRequest.read(request, MultipartBody.isMultipart(request.getContentType())
                ? new byte[0] : body(request), images);
        checkModel(r.model(), modelNames);
        boolean keyValues = r.flag("key_values");
        Integer maxTiles = r.maxTiles();
        // the cheap refusals (a full engine, an image too large for the context) before the pixels are decoded
        RgbImage image = images.decode(r.image(), "image", header -> vision.precheck(header, maxTiles));
        JsonObject out = VisionJson.envelope(modelId, image);
        Answer<OcrResult> read = watched(response, "POST " + ApiPaths.OCR,
                watch -> vision.ocr(image, keyValues, maxTiles, watch));
        if (read == null) {
            return;
        }
        VisionJson.ocr(out, read.value(), keyValues);
        out.addProperty("truncated", read.timeLimited());
        Json.write(response, 200, out);
    }
}
