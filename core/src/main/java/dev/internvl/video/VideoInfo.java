package dev.internvl.video;

/**
 * What a video's container and stream say, as decord reports them to the reference {@code load_video}.
 *
 * @param frameCount      frames in the video stream ({@code len(VideoReader)})
 * @param averageFps      average frame rate ({@code VideoReader.get_avg_fps()})
 * @param width           frame width in pixels
 * @param height          frame height in pixels
 * @param durationSeconds the container's duration, or NaN when it does not say
 * @param codec           the video codec's short name ({@code h264}, {@code vp9}, ...)
 */
public record VideoInfo(int frameCount, double averageFps, int width, int height, double durationSeconds,
        String codec) {
}
