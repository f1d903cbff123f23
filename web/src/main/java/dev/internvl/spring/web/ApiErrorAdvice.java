package dev.internvl.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.util.DisconnectedClientHelper;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.InvalidTypeIdException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * Every error of the InternVL controllers (and only theirs) in OpenAI's shape, with a stable code: what the
 * controllers throw, classified by {@link ApiErrors#resolve}, and what Spring MVC could not read: JSON that is
 * malformed or of the wrong type in a field (400 naming the field as {@code param}), a content type the endpoint
 * does not take (415), multipart bodies over the upload limits (413) or malformed (400).
 */
@RestControllerAdvice(assignableTypes = {ChatCompletionsController.class, GroundingController.class,
        OcrController.class})
public class ApiErrorAdvice {

    private static final Log logger = LogFactory.getLog(ApiErrorAdvice.class);

    @ExceptionHandler(Exception.class)
    public ResponseEntity<ApiErrors.Body> handle(Exception failure, HandlerMethod handler,
            HttpServletRequest request) {
        if (DisconnectedClientHelper.isClientDisconnectedException(failure)) {
            // the answer was ready and the client had gone: nobody to tell, nothing went wrong here
            logger.debug("The client went away before its answer was written: " + failure);
            return null;
        }
        ApiException error = ApiErrors.resolve(translate(failure, handler));
        ApiErrors.log(error, request);
        return ApiErrors.entity(error);
    }

    /** What Spring MVC reports about the request as the client's error; anything else as it is. */
    static Throwable translate(Exception failure, HandlerMethod handler) {
        if (failure instanceof HttpMediaTypeNotSupportedException e) {
            return ApiException.unsupportedMediaType(String.valueOf(e.getContentType()),
                    handler.getBeanType() == ChatCompletionsController.class ? "application/json"
                            : "application/json or multipart/form-data");
        }
        if (failure instanceof MaxUploadSizeExceededException) {
            return new ApiException(413, ApiException.INVALID_REQUEST, null, "request_too_large",
                    "The request body is larger than the upload limit of this server");
        }
        if (failure instanceof MultipartException e) {
            return ApiException.badRequest(null, "The multipart body could not be read: " + rootMessage(e));
        }
        JacksonException unreadable = failure instanceof HttpMessageNotReadableException
                ? ApiErrors.find(failure, JacksonException.class) : null;
        // not the JSON's fault: a refusal made while reading it (the limits), or the connection's
        if (unreadable != null && ApiErrors.find(unreadable, ApiException.class) == null
                && ApiErrors.find(unreadable, IOException.class) == null) {
            return unreadable(unreadable);
        }
        return failure;
    }

    private static Throwable unreadable(JacksonException e) {
        if (e instanceof StreamReadException || e.getMessage() != null && e.getMessage().startsWith("Trailing token")) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + " column "
                    + e.getLocation().getColumnNr();
            return ApiException.badRequest(null, "The request body is not valid JSON: malformed JSON" + where);
        }
        String param = param(e.getPath());
        if (e instanceof InvalidTypeIdException t && t.getBaseType().getRawClass() == ChatCompletionRequest.Part.class) {
            return ApiException.badRequest(param + ".type", "Content part type '" + t.getTypeId() + "' is not "
                    + "supported; use text and image_url");
        }
        if (param.isEmpty()) {
            return ApiException.badRequest(null, "The request body must be a JSON object");
        }
        if (isContent(e.getPath().get(e.getPath().size() - 1))) {
            return ApiException.badRequest(param, "'" + param + "' must be a string or an array of content parts");
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return ApiException.badRequest(param, "'" + param + "' must be " + describe(m.getTargetType()));
        }
        return ApiException.badRequest(param, "'" + param + "' is not valid: " + e.getOriginalMessage());
    }

    /** {@code messages[0].content}: the JSON path of a field. */
    private static String param(List<JacksonException.Reference> path) {
        StringBuilder s = new StringBuilder();
        for (JacksonException.Reference r : path) {
            if (r.getPropertyName() != null) {
                s.append(s.isEmpty() ? "" : ".").append(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                s.append('[').append(r.getIndex()).append(']');
            }
        }
        return s.toString();
    }

    /** Whether {@code r} is a message's {@code content}, a string or an array. */
    private static boolean isContent(JacksonException.Reference r) {
        return "content".equals(r.getPropertyName()) && (r.from() == ChatCompletionRequest.ChatMessage.class
                || r.from() instanceof ChatCompletionRequest.ChatMessage);
    }

    /** What a value of {@code type} is, in a client's words. */
    private static String describe(Class<?> type) {
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class) {
            return "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
