package dev.internvl;

/** How several images of one request are shown to the model (the reference's two multi-image modes). */
public enum ImageLayout {
    /**
     * Each image is its own {@code <image>}: the question is prefixed with {@code Image-1: <image>\n...} unless it
     * already places that many {@code <image>} placeholders itself. The default.
     */
    SEPARATE,
    /** The tiles of all images are concatenated and shown as one image. */
    COMBINED,
    /**
     * The images are the frames of a video, as the reference's video example shows them: unless the request has
     * history or the question places {@code <image>} placeholders itself, the question is prefixed with
     * {@code Frame1: <image>\nFrame2: <image>\n...}; each frame is tiled with at most the request's {@code maxTiles}
     * tiles (1 when not set, the reference {@code load_video}'s {@code max_num}) and a thumbnail when it has several
     * (unless the request says otherwise). {@link ChatRequest.Builder#video} sets it.
     */
    FRAMES
}
