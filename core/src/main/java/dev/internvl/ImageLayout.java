package dev.internvl;

/** How several images of one request are shown to the model (the reference's two multi-image modes). */
public enum ImageLayout {
    /**
     * Each image is its own {@code <image>}: the question is prefixed with {@code Image-1: <image>\n...} unless it
     * already places that many {@code <image>} placeholders itself. The default.
     */
    SEPARATE,
    /** The tiles of all images are concatenated and shown as one image. */
    COMBINED
}
