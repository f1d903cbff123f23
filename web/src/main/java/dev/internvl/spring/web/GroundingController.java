package dev.internvl.spring.web;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.internvl.grounding.GroundingPrompts;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.image.RgbImage;
import dev.internvl.text.SpecialTokensInText;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /v1/grounding}: where phrases are in an image. One image and one or more phrases in, for each phrase
 * the boxes the model found, in pixels of the image as sent, with the model's 0-1000 numbers and its raw answer.
 * JSON ({@code {"image": base64 or data: URL, "phrase": "..."}}) or multipart form data (an {@code image} file and
 * {@code phrase} fields). {@code all=true} asks for every instance instead of one region. Phrases holding InternVL's
 * markers are refused, and so, unless {@link ApiSettings#specialTokensInText()} is REFERENCE, are phrases holding the
 * text of any special token of the model ({@code <|im_end|>}, ...): the phrase sits inside the engine's own prompt.
 */
@RestController
public class GroundingController extends ApiController {

    private final VisionService vision;
    private final List<String> modelNames;
    private final String modelId;
    private final ImageInputs images;

    public GroundingController(VisionService vision, String modelId, ApiSettings settings) {
        super(Objects.requireNonNull(settings, "settings"));
        this.vision = Objects.requireNonNull(vision, "vision");
        // the names it answers to: ApiSettings#servedModelNames, else modelId; the first is the one reported
        this.modelNames = settings.modelNames(Objects.requireNonNull(modelId, "modelId"));
        this.modelId = modelNames.get(0);
        this.images = new ImageInputs(settings);
    }

    @PostMapping(ApiPaths.GROUNDING)
    public void ground(HttpServletRequest request, HttpServletResponse response) throws IOException {
        VisionRequest r = VisionRequest.read(request, MultipartBody.isMultipart(request.getContentType())
                ? new byte[0] : body(request), images);
        checkModel(r.model(), modelNames);
        List<String> phrases = r.phrases(settings.maxPhrases());
        for (String phrase : phrases) {
            GroundingPrompts.locate(phrase); // refuses phrases holding InternVL's markers before any model work
            if (settings.specialTokensInText() == SpecialTokensInText.PLAIN) {
                vision.addedTokenIn(phrase).ifPresent(token -> {
                    throw ApiException.badRequest("phrase", "the phrase must not contain " + token
                            + ", the text of a special token of the model");
                });
            }
        }
        boolean all = r.flag("all");
        Integer maxTiles = r.maxTiles();
        // the cheap refusals (a full engine, an image too large for the context) before the pixels are decoded
        RgbImage image = images.decode(r.image(), "image", header -> vision.precheck(header, maxTiles));
        JsonObject out = VisionJson.envelope(modelId, image);
        Answer<JsonArray> answer = watched(response, "POST " + ApiPaths.GROUNDING, watch -> {
            JsonArray results = new JsonArray();
            for (String phrase : phrases) {
                GroundingResult found = vision.ground(image, phrase, all, maxTiles, watch);
                if (watch.end() == ClientWatch.End.CLIENT_GONE) {
                    break;
                }
                results.add(VisionJson.grounding(phrase, found));
                if (watch.end() != null) {
                    break; // the time limit: the phrases after this one are not asked
                }
            }
            return results;
        });
        if (answer == null) {
            return;
        }
        out.add("results", answer.value());
        out.addProperty("truncated", answer.timeLimited());
        Json.write(response, 200, out);
    }
}
