package dev.internvl.image;

/**
 * Thrown when encoded image data cannot be turned into pixels: empty, truncated or corrupt data, an unsupported
 * format or colour layout, or an image larger than the allowed pixel count. The message names the source (a file
 * name, or {@code "image bytes"}) and the problem.
 */
public class ImageDecodeException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** An exception with the given message. */
    public ImageDecodeException(String message) {
        super(message);
    }

    /** An exception with the given message and the underlying decoder failure. */
    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
