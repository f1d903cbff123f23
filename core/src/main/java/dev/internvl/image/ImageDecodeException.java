package dev.internvl.image;

import dev.internvl.InvalidRequestException;

/**
 * Thrown when encoded image data cannot be turned into pixels: empty, truncated or corrupt data, an unsupported
 * format or colour layout, or an image larger than the allowed pixel count. The message names the source (a file
 * name, or {@code "image bytes"}) and the problem. A wrong request ({@link InvalidRequestException}) with code
 * {@code invalid_image}; {@link ImageTooLargeException} has {@code image_too_large}.
 */
public class ImageDecodeException extends InvalidRequestException {

    private static final long serialVersionUID = 1L;

    /** An exception with the given message. */
    public ImageDecodeException(String message) {
        this(message, INVALID_IMAGE, null);
    }

    /** An exception with the given message and the underlying decoder failure. */
    public ImageDecodeException(String message, Throwable cause) {
        this(message, INVALID_IMAGE, cause);
    }

    /** An exception with another code (see {@link ImageTooLargeException}). */
    protected ImageDecodeException(String message, String code, Throwable cause) {
        super(message, code, null, cause);
    }
}
