package dev.internvl.spring.web;

/**
 * A request the endpoints refuse, with the HTTP status and the OpenAI-style error it is answered with:
 * {@code {"error":{"message":...,"type":...,"param":...,"code":...}}}. The message is meant for the client: it
 * says what is wrong with the request, never how the server failed.
 */
public class ApiException extends RuntimeException {

    /** Error type of requests that are wrong ({@code invalid_request_error}, as OpenAI's API names it). */
    public static final String INVALID_REQUEST = "invalid_request_error";

    /** Error type of failures on the server's side. */
    public static final String SERVER_ERROR = "server_error";

    private final int status;
    private final String type;
    private final String param;
    private final String code;

    /** Code of a 400 about one parameter that has no code of its own. */
    public static final String INVALID_VALUE = "invalid_value";

    /** Code of a 400 about the request as a whole that has no code of its own. */
    public static final String INVALID_REQUEST_CODE = "invalid_request";

    /** Code of a 500. */
    public static final String INTERNAL_ERROR = "internal_error";

    /**
     * An error; a null {@code code} becomes a generic one, so that every error a client gets has a code:
     * {@link #INVALID_VALUE} for a 4xx naming a parameter, {@link #INVALID_REQUEST_CODE} for another 4xx,
     * {@link #INTERNAL_ERROR} for a 5xx.
     */
    public ApiException(int status, String type, String param, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code != null ? code : status >= 500 ? INTERNAL_ERROR : param != null ? INVALID_VALUE
                : INVALID_REQUEST_CODE;
    }

    /** 400: the request is malformed or asks for something the model cannot do. */
    public static ApiException badRequest(String param, String message) {
        return new ApiException(400, INVALID_REQUEST, param, null, message);
    }

    /** 400 with an error code. */
    public static ApiException badRequest(String param, String code, String message) {
        return new ApiException(400, INVALID_REQUEST, param, code, message);
    }

    /** 401: no or a wrong bearer token. */
    public static ApiException unauthorized(String message) {
        return new ApiException(401, INVALID_REQUEST, null, "invalid_api_key", message);
    }

    /** 404: a model this server does not serve. */
    public static ApiException modelNotFound(String requested, String served) {
        return new ApiException(404, INVALID_REQUEST, "model", "model_not_found", "The model '" + requested
                + "' does not exist on this server; it serves '" + served + "'");
    }

    /** 413: the request body is larger than allowed. */
    public static ApiException tooLarge(long limit) {
        return new ApiException(413, INVALID_REQUEST, null, "request_too_large", "The request body is larger than "
                + limit + " bytes, the limit of this server");
    }

    /** 415: a body that is neither JSON nor multipart form data. */
    public static ApiException unsupportedMediaType(String contentType, String accepted) {
        return new ApiException(415, INVALID_REQUEST, null, "unsupported_media_type", "Content-Type '"
                + contentType + "' is not supported here; send " + accepted);
    }

    /**
     * 503: the engine's queue is full (or the server could not take the request on for another such reason); the
     * response carries {@code Retry-After: 1}, and the OpenAI clients retry it.
     */
    public static ApiException busy(String message) {
        return new ApiException(503, SERVER_ERROR, null, "server_busy", message);
    }

    /**
     * 503 {@code timeout}: the request's time limit passed before its answer began (it waited for the engine, or
     * its images took that long to encode); with {@code Retry-After}.
     */
    public static ApiException timeout(java.time.Duration limit) {
        return new ApiException(503, SERVER_ERROR, null, "timeout", "The request did not get its first token within "
                + limit.toMillis() / 1000.0 + " s, the time limit of this server; try again later");
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }
}
