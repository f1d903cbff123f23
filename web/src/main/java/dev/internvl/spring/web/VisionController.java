package dev.internvl.spring.web;

import dev.internvl.image.RgbImage;
import java.util.Objects;
import org.springframework.util.MultiValueMap;
import org.springframework.web.multipart.MultipartRequest;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the grounding and OCR controllers share: their {@link VisionService}, their requests (JSON, or multipart form
 * data parsed by the servlet container), and the image, decoded after the cheap refusals.
 */
abstract class VisionController extends ApiController {

    final VisionService vision;

    VisionController(VisionService vision, String modelId, ApiSettings settings, JsonMapper mapper) {
        super(Objects.requireNonNull(settings, "settings"), Objects.requireNonNull(modelId, "modelId"),
                Objects.requireNonNull(mapper, "mapper"));
        this.vision = Objects.requireNonNull(vision, "vision");
    }

    /** A JSON request, for a served model. */
    VisionRequest read(VisionRequest.Json body) {
        if (body == null) {
            throw ApiException.badRequest(null, "The request body is empty; send a JSON object");
        }
        return checked(body.read(images));
    }

    /** A multipart request, for a served model. */
    VisionRequest read(MultiValueMap<String, String> fields, MultipartRequest files) {
        return checked(VisionRequest.read(fields, files.getMultiFileMap(), images));
    }

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
