package dev.internvl.spring.web;

import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/ocr}: the text of an image, as text and non-blank lines, with {@code key_values=true} also its
 * {@code key: value} fields. JSON ({@code {"image": base64 or data: URL}}) or multipart form data (an {@code image}
 * file).
 */
@RestController
@RequestMapping(ApiPaths.OCR)
public class OcrController extends VisionController {

    /** OCR on {@code vision}, answering to {@code modelId}, its JSON written by Jackson's shared mapper. */
    public OcrController(VisionService vision, String modelId, ApiSettings settings) {
        this(vision, modelId, settings, JsonMapper.shared());
    }

    /** OCR on {@code vision}, its JSON written by {@code mapper} (the application's). */
    public OcrController(VisionService vision, String modelId, ApiSettings settings, JsonMapper mapper) {
        super(vision, modelId, settings, mapper);
    }

    @Override
    ResponseEntity<byte[]> answer(VisionRequest request, HttpServletResponse response) {
        RgbImage image = decode(request);
        Answer<OcrResult> read = watched(response, "POST " + ApiPaths.OCR,
                watch -> vision.ocr(image, request.keyValues(), request.maxTiles(), watch));
        return read == null ? null : json(VisionJson.Read.of(modelId, image, read.value(), request.keyValues(),
                read.timeLimited()));
    }
}
