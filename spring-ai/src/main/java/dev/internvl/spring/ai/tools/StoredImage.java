package dev.internvl.spring.ai.tools;

import dev.internvl.image.RgbImage;
import java.util.Objects;

/**
 * An image held by an {@link ImageStore} and the id tools refer to it by.
 *
 * @param id    the store's id, e.g. {@code img-3f9c2a7b01de}
 * @param image the decoded pixels (not copied: treat them as read-only)
 */
public record StoredImage(String id, RgbImage image) {

    public StoredImage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(image, "image");
    }

    /** Width in pixels. */
    public int width() {
        return image.width();
    }

    /** Height in pixels. */
    public int height() {
        return image.height();
    }
}
