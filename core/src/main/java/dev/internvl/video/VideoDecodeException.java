package dev.internvl.video;

import dev.internvl.InvalidRequestException;

/**
 * A video that cannot be used: empty, truncated or corrupt data, no video stream (an audio-only file), a codec the
 * decoder does not have, a video beyond the {@link VideoLimits}, or no video decoder at all (the
 * {@code internvl-video} module missing). The message names the source and the problem; {@link #code()} is
 * {@link #INVALID_VIDEO}, {@link #VIDEO_TOO_LARGE} or {@link #VIDEO_NOT_SUPPORTED}.
 */
public class VideoDecodeException extends InvalidRequestException {

    private static final long serialVersionUID = 1L;

    /** An undecodable video: empty, truncated or corrupt data, no video stream, an unknown codec. */
    public static final String INVALID_VIDEO = "invalid_video";

    /** A video beyond a {@link VideoLimits} bound. */
    public static final String VIDEO_TOO_LARGE = "video_too_large";

    /** No video decoder is installed (the {@code internvl-video} module is not on the class path). */
    public static final String VIDEO_NOT_SUPPORTED = "video_not_supported";

    /** An undecodable video ({@link #INVALID_VIDEO}). */
    public VideoDecodeException(String message) {
        this(message, INVALID_VIDEO);
    }

    /** An undecodable video ({@link #INVALID_VIDEO}) found through {@code cause}. */
    public VideoDecodeException(String message, Throwable cause) {
        super(message, INVALID_VIDEO, null, cause);
    }

    /** A video refused for another reason ({@link #VIDEO_TOO_LARGE}, {@link #VIDEO_NOT_SUPPORTED}). */
    public VideoDecodeException(String message, String code) {
        super(message, code, null, null);
    }
}
