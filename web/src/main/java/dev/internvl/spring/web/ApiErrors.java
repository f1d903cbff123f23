package dev.internvl.spring.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.internvl.InvalidRequestException;
import dev.internvl.generate.EngineFailedException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.http.server.ServletServerHttpResponse;

/**
 * Turns what went wrong into the JSON error a client gets, {@link Body}, and says how it is logged.
 *
 * <ul>
 *   <li>an {@link ApiException}: itself;</li>
 *   <li>an {@link OutOfMemoryError} anywhere in the causes (the heap ran out, even where an image reader wrapped it
 *       into a decoding error): 503 {@code server_busy} with {@code Retry-After: 1}, one WARN line;</li>
 *   <li>{@link RequestTooLargeException}: 413; {@link RejectedExecutionException} (the engine's queue is full) and
 *       {@link InternVLApiFilter.BudgetExhaustedException}: 503 with {@code Retry-After: 1};</li>
 *   <li>{@link InvalidRequestException} anywhere in the causes (the request is wrong: an image that does not
 *       decode, an option out of range, a prompt longer than the context): 400 with its message, code and
 *       param;</li>
 *   <li>anything else, a plain {@link IllegalArgumentException} or {@link IllegalStateException} of the engine
 *       included: 500 whose body names only an error id, logged once at ERROR with the stack trace.</li>
 * </ul>
 *
 * <p>What Spring MVC says about a request it could not read is turned into these errors by {@link ApiErrorAdvice}.
 * Client errors (4xx) are logged as one WARN line, without a stack trace ({@link #log}).
 */
public final class ApiErrors {

    private static final Log logger = LogFactory.getLog(ApiErrors.class);

    /** How {@code InternVL.chat} starts the message of a request refused because its queue is full. */
    private static final String ENGINE_BUSY = "the engine is busy";

    /** The {@code Retry-After} of a 503, in seconds: a place in the queue frees as soon as a request ends. */
    static final String RETRY_AFTER_SECONDS = "1";

    private ApiErrors() {
    }

    /** OpenAI's error shape: {@code {"error":{"message":..,"type":..,"param":..,"code":..}}}. */
    public record Body(Error error) {

        /** The error of {@code e}. */
        public static Body of(ApiException e) {
            return new Body(new Error(e.getMessage(), e.type(), e.param(), e.code()));
        }
    }

    /** The error object; {@code param} is written as null when there is none. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Error(String message, String type, String param, String code) {
    }

    /** The error for {@code failure}: itself when it is an {@link ApiException}, else classified by its causes. */
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
            if (t instanceof InternVLApiFilter.BudgetExhaustedException e) {
                return e.error();
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
                return ApiException.badRequest(e.param(), e.code(), e.getMessage());
            }
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

    /**
     * Logs {@code e} as answered to {@code request}: a client error (4xx) as one WARN line, never a stack trace; a
     * 503 at DEBUG (its cause, where it matters, was logged by {@link #resolve}); a 500 was logged with its trace.
     */
    static void log(ApiException e, HttpServletRequest request) {
        if (e.status() < 500) {
            logger.warn(request.getMethod() + " " + request.getRequestURI() + ": " + e.status() + " " + e.code()
                    + (e.param() == null ? "" : " (" + e.param() + ")") + ": " + e.getMessage());
        } else if (e.status() == 503) {
            logger.debug(request.getMethod() + " " + request.getRequestURI() + ": 503 " + e.code() + ": "
                    + e.getMessage());
        }
    }

    /** The headers of {@code e}: {@code WWW-Authenticate} with a 401, {@code Retry-After} with a 503. */
    static HttpHeaders headers(ApiException e) {
        HttpHeaders headers = new HttpHeaders();
        if (e.status() == 401) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        if (e.status() == 503) {
            headers.set(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
        }
        return headers;
    }

    /** {@code e} as the answer of a controller or exception handler. */
    static ResponseEntity<Body> entity(ApiException e) {
        return ResponseEntity.status(e.status()).headers(headers(e)).contentType(MediaType.APPLICATION_JSON)
                .body(Body.of(e));
    }

    /**
     * Writes {@code e} as the whole response from outside Spring MVC's handlers (the filter, the API key
     * interceptor, the hint for paths without {@code /v1}) with {@code json}, and logs it; a committed response is
     * left alone.
     */
    static void write(HttpServletRequest request, HttpServletResponse response, ApiException e,
            JacksonJsonHttpMessageConverter json) throws IOException {
        log(e, request);
        if (response.isCommitted()) {
            logger.debug("Cannot send error " + e.status() + ": response already committed");
            return;
        }
        response.resetBuffer();
        response.setStatus(e.status());
        headers(e).forEach((name, values) -> values.forEach(v -> response.setHeader(name, v)));
        try (ServletServerHttpResponse out = new ServletServerHttpResponse(response)) {
            json.write(Body.of(e), MediaType.APPLICATION_JSON, out);
        }
    }
}
