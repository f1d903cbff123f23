package dev.internvl.spring.web;

import dev.internvl.image.RgbImage;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Objects;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.multipart.MultipartRequest;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the grounding and OCR controllers share: their {@link VisionService}, their requests, {@code POST} to the path
 * of the subclass's {@code @RequestMapping} (JSON, or multipart form data parsed by the servlet container), and the
 * image, decoded after the cheap refusals.
 */
abstract class VisionController extends ApiController {

    final VisionService vision;

    VisionController(VisionService vision, String modelId, ApiSettings settings, JsonMapper mapper) {
        super(Objects.requireNonNull(settings, "settings"), Objects.requireNonNull(modelId, "modelId"),
                Objects.requireNonNull(mapper, "mapper"));
        this.vision = Objects.requireNonNull(vision, "vision");
    }

    /** Multipart form data: an {@code image} file part (or text field) and text fields. */
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public ResponseEntity<byte[]> post(@RequestParam MultiValueMap<String, String> fields, MultipartRequest files,
            HttpServletResponse response) {
        return answer(checked(VisionRequest.read(fields, files.getMultiFileMap(), images)), response);
    }

    /** A JSON object (any other content type is a 415). */
    @PostMapping
    public ResponseEntity<byte[]> post(@RequestBody(required = false) VisionRequest.Json body,
            HttpServletResponse response) {
        if (body == null) {
            throw ApiException.badRequest(null, "The request body is empty; send a JSON object");
        }
        return answer(checked(body.read(images)), response);
    }

    /** The answer to {@code request}, for a served model; null when the client went away. */
    abstract ResponseEntity<byte[]> answer(VisionRequest request, HttpServletResponse response);

    private VisionRequest checked(VisionRequest request) {
        checkModel(request.model());
        return request;
    }

    /**
     * The request's image; the cheap refusals (a full engine, an image too large for the context) come before its
     * pixels are decoded.
     */
    RgbImage decode(VisionRequest request) {
        return images.decode(request.image(), "image", header -> vision.precheck(header, request.maxTiles()));
    }
}
