package dev.internvl.spring.autoconfigure;

import dev.internvl.InvalidOptionException;
import dev.internvl.video.VideoLimits;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Video input (a {@code video/*} Spring AI media, a {@code video_url} of the HTTP API): what one video may make the
 * decoder spend, and how many frames are sampled when a request does not say. Videos need the
 * {@code dev.internvl:internvl-video} module (FFmpeg); without it a video is refused ({@code video_not_supported}).
 */
@ConfigurationProperties(InternVLVideoProperties.PREFIX)
public class InternVLVideoProperties {

    public static final String PREFIX = "spring.ai.internvl.video";

    /**
     * Largest encoded video. Unset: with the HTTP endpoints, the largest whose base64 (4/3 of it) fits in
     * spring.ai.internvl.web.max-request-size with 64KB to spare (14.95MB with the 20MB default); without them
     * 256MB. Set with the HTTP endpoints, it must fit that way, or the start fails.
     */
    private DataSize maxBytes;

    /**
     * Longest video, in seconds, as its container announces it; decoding reads up to the last sampled frame, so this
     * bounds the decoding time.
     */
    private double maxSeconds = 600; // VideoLimits.DEFAULTS, as literals for the configuration metadata

    /**
     * Most frames sampled from one video (each is at least one tile of 256 prompt tokens).
     */
    private int maxFrames = 64;

    /**
     * Most pixels of one frame (width times height).
     */
    private long maxPixels = 16777216;

    /**
     * Frames sampled from a video when the request does not say (the model cards' num_segments), at most
     * max-frames.
     */
    private int defaultFrames = 8; // VideoSampling.DEFAULT_FRAMES

    /** Room in an HTTP request for the JSON around a video's data: URL (the question, the other fields). */
    static final long ENVELOPE_BYTES = 64 * 1024;

    /** The largest video whose base64 and {@link #ENVELOPE_BYTES} fit in a request of {@code requestBytes}. */
    static long fitting(long requestBytes) {
        return Math.max(1, (requestBytes - ENVELOPE_BYTES) / 4 * 3);
    }

    /** The base64 of {@code bytes}: 4 characters for every 3 bytes, padded. */
    static long base64(long bytes) {
        return (bytes + 2) / 3 * 4;
    }

    /**
     * The limits, checked; a wrong value is an {@link InternVLConfigurationException} naming its property.
     *
     * @param requestBytes the HTTP endpoints' max-request-size, or null without them: an unset max-bytes is
     *     derived from it
     */
    public VideoLimits toLimits(Long requestBytes) {
        long bytes = maxBytes != null ? maxBytes.toBytes()
                : requestBytes != null ? fitting(requestBytes) : VideoLimits.DEFAULTS.maxBytes();
        VideoLimits limits;
        try {
            limits = new VideoLimits(bytes, maxSeconds, maxFrames, maxPixels);
        } catch (InvalidOptionException e) {
            throw InternVLAutoConfiguration.configurationError(e, Map.of("maxBytes", PREFIX + ".max-bytes",
                    "maxSeconds", PREFIX + ".max-seconds", "maxFrames", PREFIX + ".max-frames", "maxPixels",
                    PREFIX + ".max-pixels"));
        }
        if (defaultFrames < 1 || defaultFrames > maxFrames) {
            throw new InternVLConfigurationException(PREFIX + ".default-frames", PREFIX + ".default-frames="
                    + defaultFrames + " must be between 1 and " + PREFIX + ".max-frames (" + maxFrames + ")");
        }
        return limits;
    }

    public DataSize getMaxBytes() {
        return maxBytes;
    }

    public void setMaxBytes(DataSize maxBytes) {
        this.maxBytes = maxBytes;
    }

    public double getMaxSeconds() {
        return maxSeconds;
    }

    public void setMaxSeconds(double maxSeconds) {
        this.maxSeconds = maxSeconds;
    }

    public int getMaxFrames() {
        return maxFrames;
    }

    public void setMaxFrames(int maxFrames) {
        this.maxFrames = maxFrames;
    }

    public long getMaxPixels() {
        return maxPixels;
    }

    public void setMaxPixels(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    public int getDefaultFrames() {
        return defaultFrames;
    }

    public void setDefaultFrames(int defaultFrames) {
        this.defaultFrames = defaultFrames;
    }
}
