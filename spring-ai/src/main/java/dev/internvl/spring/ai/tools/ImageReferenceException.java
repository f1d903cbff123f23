package dev.internvl.spring.ai.tools;

import dev.internvl.InvalidRequestException;

/**
 * An image reference a tool cannot use: an unknown or evicted id, a malformed, oversized or non-image
 * {@code data:} URI, or data that does not decode. The message says what was wrong and what to pass instead; tool
 * callbacks hand it back to the model as the tool's error result. A wrong request
 * ({@link InvalidRequestException}); data that does not decode keeps the decoder's code ({@code invalid_image},
 * {@code image_too_large}).
 */
public class ImageReferenceException extends InvalidRequestException {

    private static final long serialVersionUID = 1L;

    public ImageReferenceException(String message) {
        super(message);
    }

    public ImageReferenceException(String message, Throwable cause) {
        super(message, cause instanceof InvalidRequestException i ? i.code() : null, null, cause);
    }
}
