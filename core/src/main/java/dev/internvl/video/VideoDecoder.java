package dev.internvl.video;

import java.nio.file.Path;

/**
 * Reads the frames the reference {@code load_video} reads: the frame count and average frame rate as decord reports
 * them, the frame indices of {@link VideoSampling#frameIndices}, and each of those frames as RGB. An implementation
 * is found through {@link java.util.ServiceLoader} ({@link Videos#decoder()}); the {@code internvl-video} module
 * provides one on FFmpeg. Implementations are thread-safe.
 */
public interface VideoDecoder {

    /**
     * Decodes the sampled frames of a video file.
     *
     * @throws VideoDecodeException when the file is not a video this decoder reads, or is beyond {@code limits}
     */
    VideoFrames decode(Path file, VideoSampling sampling, VideoLimits limits);

    /**
     * Decodes the sampled frames of an encoded video held in memory.
     *
     * @param sourceName names the video in error messages (a file name, {@code "video_url 2"}, ...)
     * @throws VideoDecodeException when the data is not a video this decoder reads, or is beyond {@code limits}
     */
    VideoFrames decode(byte[] data, String sourceName, VideoSampling sampling, VideoLimits limits);
}
