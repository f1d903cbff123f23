package dev.internvl.image;

/**
 * The image's header announces more pixels than allowed; nothing was decoded. The message names the source, the
 * size and the limit; its {@link #code()} is {@code image_too_large}.
 */
public class ImageTooLargeException extends ImageDecodeException {

    private static final long serialVersionUID = 1L;

    private final int width;
    private final int height;

    public ImageTooLargeException(String message, int width, int height) {
        super(message, IMAGE_TOO_LARGE, null);
        this.width = width;
        this.height = height;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }
}
