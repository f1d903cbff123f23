package dev.internvl.spring.web;

import dev.internvl.grounding.GroundingPrompts;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.image.RgbImage;
import dev.internvl.text.SpecialTokensInText;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/grounding}: where phrases are in an image. One image and one or more phrases in, for each phrase
 * the boxes the model found, in pixels of the image as sent, with the model's 0-1000 numbers and its raw answer.
 * JSON ({@code {"image": base64 or data: URL, "phrase": "..."}}) or multipart form data (an {@code image} file and
 * {@code phrase} fields). {@code all=true} asks for every instance instead of one region. Phrases holding InternVL's
 * markers are refused, and so, unless {@link ApiSettings#specialTokensInText()} is REFERENCE, are phrases holding the
 * text of any special token of the model ({@code <|im_end|>}, ...): the phrase sits inside the engine's own prompt.
 */
@RestController
@RequestMapping(ApiPaths.GROUNDING)
public class GroundingController extends VisionController {

    /** Grounding on {@code vision}, answering to {@code modelId}, its JSON written by Jackson's shared mapper. */
    public GroundingController(VisionService vision, String modelId, ApiSettings settings) {
        this(vision, modelId, settings, JsonMapper.shared());
    }

    /** Grounding on {@code vision}, its JSON written by {@code mapper} (the application's). */
    public GroundingController(VisionService vision, String modelId, ApiSettings settings, JsonMapper mapper) {
        super(vision, modelId, settings, mapper);
    }

    @Override
    ResponseEntity<byte[]> answer(VisionRequest request, HttpServletResponse response) {
        List<String> phrases = request.phrases(settings.maxPhrases());
        for (String phrase : phrases) {
            GroundingPrompts.locate(phrase); // refuses phrases holding InternVL's markers before any model work
            if (settings.specialTokensInText() == SpecialTokensInText.PLAIN) {
                vision.addedTokenIn(phrase).ifPresent(token -> {
                    throw ApiException.badRequest("phrase", "the phrase must not contain " + token
                            + ", the text of a special token of the model");
                });
            }
        }
        RgbImage image = decode(request);
        Answer<List<VisionJson.Phrase>> answer = watched(response, "POST " + ApiPaths.GROUNDING, watch -> {
            List<VisionJson.Phrase> results = new ArrayList<>();
            for (String phrase : phrases) {
                GroundingResult found = vision.ground(image, phrase, request.all(), request.maxTiles(), watch);
                if (watch.end() == ClientWatch.End.CLIENT_GONE) {
                    break;
                }
                results.add(VisionJson.Phrase.of(phrase, found));
                if (watch.end() != null) {
                    break; // the time limit: the phrases after this one are not asked
                }
            }
            return results;
        });
        return answer == null ? null : json(new VisionJson.Grounded(modelId, VisionJson.Size.of(image),
                answer.value(), answer.timeLimited()));
    }
}
