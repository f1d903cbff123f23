package dev.internvl.spring.web;

import com.google.gson.JsonObject;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.multipart.MultipartException;

/**
 * Turns what went wrong into the JSON error a client gets. Client mistakes become 4xx with their message; an engine
 * whose queue is full ({@link RejectedExecutionException}) a 503 with {@code Retry-After: 1}; anything else is a 500
 * whose body names only an error id, logged with the stack trace on the server.
 */
public final class ApiErrors {

    private static final Log logger = LogFactory.getLog(ApiErrors.class);

    /** How {@code InternVL.chat} starts the message of a request refused because its queue is full. */
    private static final String ENGINE_BUSY = "the engine is busy";

    /** The {@code Retry-After} of a 503, in seconds: a place in the queue frees as soon as a request ends. */
    static final String RETRY_AFTER_SECONDS = "1";

    private ApiErrors() {
    }

    /** The error for {@code failure}: itself when it is an {@link ApiException}, else classified by type. */
    public static ApiException resolve(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ApiException e) {
                return e;
            }
            if (t instanceof RequestTooLargeException e) {
                return ApiException.tooLarge(e.limit());
            }
            if (t instanceof RejectedExecutionException e) {
                return busy(e);
            }
        }
        if (failure instanceof IllegalArgumentException) {
            // the engine's and the chat model's checks of a request (images that do not decode, options out of
            // range, a prompt longer than the context) say what is wrong with the request
            return ApiException.badRequest(null, failure.getMessage());
        }
        if (failure instanceof HttpMessageNotReadableException || failure instanceof MultipartException) {
            return ApiException.badRequest(null, "The request body could not be read: "
                    + rootMessage(failure));
        }
        if (failure instanceof HttpMediaTypeNotSupportedException e) {
            return ApiException.unsupportedMediaType(String.valueOf(e.getContentType()), "application/json");
        }
        String id = UUID.randomUUID().toString();
        logger.error("InternVL endpoint failed (error id " + id + ")", failure);
        return new ApiException(500, ApiException.SERVER_ERROR, null, null, "The server failed to process the "
                + "request (error id " + id + ")");
    }

    /**
     * The engine's own message ("the engine is busy: N requests are running or waiting, as many as it holds
     * ..."), which says nothing about the server but its load; other refusals (a thread pool's, naming its
     * classes) get a fixed one.
     */
    private static ApiException busy(RejectedExecutionException e) {
        String m = e.getMessage();
        if (m != null && m.startsWith(ENGINE_BUSY)) {
            return ApiException.busy("The engine is busy" + m.substring(ENGINE_BUSY.length()));
        }
        logger.debug("Request refused: " + e);
        return ApiException.busy("The server is busy; try again later");
    }

    /** {@code {"error":{"message":..,"type":..,"param":..,"code":..}}}. */
    public static JsonObject body(ApiException e) {
        JsonObject error = new JsonObject();
        error.addProperty("message", e.getMessage());
        error.addProperty("type", e.type());
        error.addProperty("param", e.param());
        error.addProperty("code", e.code());
        JsonObject out = new JsonObject();
        out.add("error", error);
        return out;
    }

    /** Writes {@code failure} as the response, unless the response has been committed already (then only logs). */
    public static void write(HttpServletResponse response, Throwable failure) throws IOException {
        ApiException e = resolve(failure);
        if (response.isCommitted()) {
            logger.debug("Cannot send error " + e.status() + " (" + e.getMessage() + "): response already committed");
            return;
        }
        response.resetBuffer();
        if (e.status() == 401) {
            response.setHeader("WWW-Authenticate", "Bearer");
        }
        if (e.status() == 503) {
            response.setHeader("Retry-After", RETRY_AFTER_SECONDS);
        }
        Json.write(response, e.status(), body(e));
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return m == null ? root.getClass().getSimpleName() : m;
    }
}
