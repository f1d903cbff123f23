package dev.internvl.spring.ai.tools;

import dev.internvl.image.RgbImage;
import java.util.Map;
import java.util.Objects;
import org.springframework.ai.chat.model.ToolContext;

/**
 * What a {@link VisionTool} works with during one call.
 *
 * @param images      the image store: resolve the {@code image} argument, store new images
 * @param vision      the vision model
 * @param toolContext Spring AI's tool context of the request (empty when there is none)
 */
public record VisionToolContext(ImageStore images, VisionBackend vision, ToolContext toolContext) {

    public VisionToolContext {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(vision, "vision");
        toolContext = toolContext != null ? toolContext : new ToolContext(Map.of());
    }

    /**
     * The image an argument refers to (an id of the store, or a {@code data:} URI, stored under a new id).
     *
     * @throws ImageReferenceException saying what is wrong with the reference
     */
    public StoredImage image(String reference) {
        return images.resolve(reference);
    }

    /** Stores a new image (a crop, a drawing) and returns its id with it. */
    public StoredImage store(RgbImage image) {
        return images.put(image);
    }
}
