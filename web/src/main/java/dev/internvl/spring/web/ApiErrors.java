package dev.internvl.spring.web;

import com.google.gson.JsonObject;
import dev.internvl.InvalidRequestException;
import dev.internvl.generate.EngineFailedException;
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
 * Turns what went wrong into the JSON error a client gets.
 *
 * <ul>
 *   <li>an {@link ApiException}: itself;</li>
 *   <li>an {@link OutOfMemoryError} anywhere in the causes (the heap ran out, even where an image reader wrapped it
 *       into a decoding error): 503 {@code server_busy} with {@code Retry-After: 1}, one WARN line;</li>
 *   <li>{@link RequestTooLargeException}: 413; {@link RejectedExecutionException} (the engine's queue is full):
 *       503 with {@code Retry-After: 1};</li>
 *   <li>{@link InvalidRequestException} anywhere in the causes (the request is wrong: an image that does not
 *       decode, an option out of range, a prompt longer than the context): 400 with its message, code and
 *       param;</li>
 *   <li>a body Spring cannot read: 400; a content type it does not take: 415;</li>
 *   <li>anything else, a plain {@link IllegalArgumentException} or {@link IllegalStateException} of the engine
 *       included: 500 whose body names only an error id, logged once at ERROR with the stack trace.</li>
 * </ul>
 *
 * <p>Client errors are logged at DEBUG at most.
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
        if (failure instanceof ApiException e) {
            return e;
        }
        OutOfMemoryError oom = find(failure, OutOfMemoryError.class);
        if (oom != null) {
            // capacity, not a fault: the request may well succeed once others have freed their memory
            logger.warn("Request refused, the heap is exhausted: " + oom + (oom == failure ? ""
                    : " (in " + failure.getClass().getName() + ")"));
            return ApiException.busy("The server is out of memory for the moment; try again later");
        }
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
            if (t instanceof EngineFailedException e) {
                // the engine gave up for good (health is DOWN): capacity gone, not this request's fault; the
                // cause was answered with a 500 and its trace to the requests it hit
                logger.warn("Request refused, the engine has failed: " + e.getMessage());
                return ApiException.busy("The engine has failed and takes no requests until the server restarts");
            }
            if (t instanceof InvalidRequestException e) {
                logger.debug("Invalid request: " + e.getMessage());
                return ApiException.badRequest(e.param(), e.code(), e.getMessage());
            }
        }
        if (failure instanceof HttpMessageNotReadableException || failure instanceof MultipartException) {
            logger.debug("Unreadable request body: " + failure);
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

    /** The first of {@code type} in the causes of {@code failure}, itself included; null when there is none. */
    static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 64; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
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
