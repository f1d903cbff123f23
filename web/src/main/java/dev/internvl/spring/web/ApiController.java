package dev.internvl.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.util.DisconnectedClientHelper;

/**
 * What the InternVL controllers share: their errors answered as JSON ({@link ApiErrors}) by the controllers
 * themselves, so that an application mounting them needs no controller advice, and the reading of request bodies
 * within {@link ApiSettings#maxRequestBytes()}.
 */
abstract class ApiController {

    private static final Log logger = LogFactory.getLog(ApiController.class);

    final ApiSettings settings;

    ApiController(ApiSettings settings) {
        this.settings = settings;
    }

    @ExceptionHandler(Exception.class)
    public void handleError(Exception e, HttpServletResponse response) throws IOException {
        if (DisconnectedClientHelper.isClientDisconnectedException(e)) {
            // the answer was ready and the client had gone: nobody to tell, nothing went wrong here
            logger.debug("The client went away before its answer was written: " + e);
            return;
        }
        ApiErrors.write(response, e);
    }

    /** The request body, as buffered by {@link InternVLApiFilter} or read here within the same limit. */
    byte[] body(HttpServletRequest request) throws IOException {
        InternVLApiFilter.BufferedRequest buffered = unwrap(request);
        if (buffered != null) {
            return buffered.body();
        }
        return InternVLApiFilter.readBounded(request.getInputStream(), settings.maxRequestBytes());
    }

    private static InternVLApiFilter.BufferedRequest unwrap(jakarta.servlet.ServletRequest request) {
        while (request instanceof jakarta.servlet.ServletRequestWrapper w) {
            if (w instanceof InternVLApiFilter.BufferedRequest b) {
                return b;
            }
            request = w.getRequest();
        }
        return null;
    }

    /** An answer made under a {@link ClientWatch}, to be written; {@code timeLimited} when the time limit cut it. */
    record Answer<T>(T value, boolean timeLimited) {
    }

    /**
     * Makes an answer for a client waiting for it whole, under a {@link ClientWatch} of {@code response} that
     * {@code work} hands to the engine as its listener. Null when there is nothing left to write: the client went
     * away (one INFO line), or {@code work} failed after a probe had committed the response (the error went into
     * the body). A failure before that is thrown; the time limit passing before the answer began is a 503
     * {@code timeout}.
     *
     * @param what names the request in the log line
     */
    <T> Answer<T> watched(HttpServletResponse response, String what, Function<ClientWatch, T> work)
            throws IOException {
        ClientWatch watch = ClientWatch.start(response, settings);
        T value;
        try (watch) {
            value = work.apply(watch);
        } catch (RuntimeException e) {
            if (watch.committed()) {
                failAfterCommit(response, e);
                return null;
            }
            throw e;
        }
        if (abandoned(watch, what)) {
            return null;
        }
        return new Answer<>(value, watch.end() == ClientWatch.End.TIME_LIMIT);
    }

    /**
     * What to do after a {@link ClientWatch watched} answer: true when nothing is to be written because the client
     * went away (logged in one INFO line); a 503 {@code timeout} when the time limit passed before the answer
     * began; false to write the (possibly time-limited) answer.
     */
    private boolean abandoned(ClientWatch watch, String what) {
        if (watch.end() == ClientWatch.End.CLIENT_GONE) {
            logger.info(what + ": the client went away; its answer was stopped after "
                    + String.format(Locale.ROOT, "%.1f", watch.seconds()) + " s");
            return true;
        }
        if (watch.end() == ClientWatch.End.TIME_LIMIT && !watch.isAnswering()) {
            logger.info(what + ": no answer within the time limit of " + settings.maxRequestTime());
            throw ApiException.timeout(settings.maxRequestTime());
        }
        return false;
    }

    /**
     * Answers {@code failure} in a response that a {@link ClientWatch} probe has committed with status 200: the
     * error object follows the whitespace, the only place left for it.
     */
    private static void failAfterCommit(HttpServletResponse response, RuntimeException failure) {
        byte[] error = Json.toJson(ApiErrors.body(ApiErrors.resolve(failure))).getBytes(StandardCharsets.UTF_8);
        try {
            response.getOutputStream().write(error);
            response.flushBuffer();
        } catch (IOException e) {
            logger.debug("Could not send an error to a client that went away: " + e);
        }
    }

    /** JSON content types, or none given. */
    static boolean isJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        String t = contentType.toLowerCase(Locale.ROOT).split(";")[0].strip();
        return t.equals("application/json") || t.endsWith("+json");
    }

    /** A 404 unless {@code requested} is null or one of the {@code served} names (listed in its message). */
    static void checkModel(String requested, List<String> served) {
        if (requested != null && !served.contains(requested)) {
            throw ApiException.modelNotFound(requested, String.join("', '", served));
        }
    }
}
