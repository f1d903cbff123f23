package dev.internvl.spring.web;

import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the InternVL controllers share: their settings and the names of the model they serve, their images, their
 * JSON mapper (the application's), and answers made for a client that waits for them whole, under a
 * {@link ClientWatch}. Their errors are {@link ApiErrorAdvice}'s.
 */
abstract class ApiController {

    private static final Log logger = LogFactory.getLog(ApiController.class);

    final ApiSettings settings;
    final JsonMapper mapper;
    final ImageInputs images;
    /** The names the endpoints answer to: {@link ApiSettings#servedModelNames}, else the model's id. */
    final List<String> modelNames;
    /** The name responses carry: the first of {@link #modelNames}. */
    final String modelId;

    ApiController(ApiSettings settings, String modelId, JsonMapper mapper) {
        this.settings = settings;
        this.mapper = mapper;
        this.images = new ImageInputs(settings);
        this.modelNames = settings.modelNames(modelId);
        this.modelId = modelNames.get(0);
    }

    /** A 404 unless {@code requested} is null or one of the served names (listed in its message). */
    void checkModel(String requested) {
        if (requested != null && !modelNames.contains(requested)) {
            throw ApiException.modelNotFound(requested, String.join("', '", modelNames));
        }
    }

    /** An answer made under a {@link ClientWatch}, to be written; {@code timeLimited} when the time limit cut it. */
    record Answer<T>(T value, boolean timeLimited) {
    }

    /**
     * Makes an answer for a client waiting for it whole, under a {@link ClientWatch} of {@code response} that
     * {@code work} hands to the engine as its listener. Null when the client went away (one INFO line): there is
     * nothing to write. A failure is thrown (after a probe committed the response, its error follows the spaces);
     * the time limit passing before the answer began is a 503 {@code timeout}.
     *
     * @param what names the request in the log line
     */
    <T> Answer<T> watched(HttpServletResponse response, String what, Function<ClientWatch, T> work) {
        T value;
        ClientWatch watch = ClientWatch.start(response, settings);
        try (watch) {
            value = work.apply(watch);
        }
        if (watch.end() == ClientWatch.End.CLIENT_GONE) {
            logger.info(what + ": the client went away; its answer was stopped after "
                    + String.format(Locale.ROOT, "%.1f", watch.seconds()) + " s");
            return null;
        }
        if (watch.end() == ClientWatch.End.TIME_LIMIT && !watch.isAnswering()) {
            logger.info(what + ": no answer within the time limit of " + settings.maxRequestTime());
            throw ApiException.timeout(settings.maxRequestTime());
        }
        return new Answer<>(value, watch.end() == ClientWatch.End.TIME_LIMIT);
    }

    /**
     * {@code body} as a whole JSON answer with its {@code Content-Length}, serialized by the application's mapper;
     * after a {@link ClientWatch} probe it follows the spaces.
     */
    ResponseEntity<byte[]> json(Object body) {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(mapper.writeValueAsBytes(body));
    }
}
