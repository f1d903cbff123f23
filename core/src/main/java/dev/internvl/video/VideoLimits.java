package dev.internvl.video;

import dev.internvl.InvalidOptionException;

/**
 * What one video may make the decoder spend. A video beyond any of these is refused before its frames are decoded
 * ({@link VideoDecodeException} with code {@code video_too_large}).
 *
 * @param maxBytes   encoded size, in bytes
 * @param maxSeconds duration the container announces, in seconds; decoding reads the video up to its last sampled
 *                   frame, so this bounds the decoding time
 * @param maxFrames  frames sampled from one video (each becomes at least one tile of image tokens)
 * @param maxPixels  pixels of one frame (width × height)
 */
public record VideoLimits(long maxBytes, double maxSeconds, int maxFrames, long maxPixels) {

    /** 256 MiB, 10 minutes, 64 frames, 4096 × 4096 pixels a frame. */
    public static final VideoLimits DEFAULTS = new VideoLimits(256L << 20, 600, 64, 4096L * 4096);

    public VideoLimits {
        InvalidOptionException.checkRange("maxBytes", maxBytes, 1, Long.MAX_VALUE);
        if (!(maxSeconds > 0)) {
            throw new InvalidOptionException("maxSeconds", "must be positive", maxSeconds);
        }
        InvalidOptionException.checkRange("maxFrames", maxFrames, 1, Integer.MAX_VALUE);
        InvalidOptionException.checkRange("maxPixels", maxPixels, 1, Long.MAX_VALUE);
    }

    /** Refuses a sample of more frames than {@link #maxFrames}. */
    public void checkSampling(VideoSampling sampling) {
        if (sampling.frames() > maxFrames) {
            throw new VideoDecodeException("a video may be sampled at most " + maxFrames + " frames, "
                    + sampling.frames() + " were asked", VideoDecodeException.VIDEO_TOO_LARGE);
        }
    }
}
