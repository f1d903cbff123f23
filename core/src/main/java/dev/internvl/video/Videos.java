package dev.internvl.video;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** The installed {@link VideoDecoder}, and shortcuts that decode with it under the default limits. */
public final class Videos {

    /** The module that brings the FFmpeg decoder, as a Maven coordinate. */
    public static final String MODULE = "dev.internvl:internvl-video";

    private static volatile VideoDecoder decoder;

    private Videos() {
    }

    /** Whether a video decoder is installed. */
    public static boolean available() {
        return find() != null;
    }

    /**
     * The installed video decoder.
     *
     * @throws VideoDecodeException ({@code video_not_supported}) when none is: the {@code internvl-video} module is
     *     not on the class path
     */
    public static VideoDecoder decoder() {
        VideoDecoder d = find();
        if (d == null) {
            throw new VideoDecodeException("video input needs a video decoder, and none is installed: add the "
                    + MODULE + " module (FFmpeg through JavaCPP) to the application",
                    VideoDecodeException.VIDEO_NOT_SUPPORTED);
        }
        return d;
    }

    /** The frames {@code sampling} takes of a video file, under {@link VideoLimits#DEFAULTS}. */
    public static VideoFrames decode(Path file, VideoSampling sampling) {
        return decoder().decode(file, sampling, VideoLimits.DEFAULTS);
    }

    /** The frames {@code sampling} takes of an encoded video, under {@link VideoLimits#DEFAULTS}. */
    public static VideoFrames decode(byte[] data, String sourceName, VideoSampling sampling) {
        return decoder().decode(data, sourceName, sampling, VideoLimits.DEFAULTS);
    }

    private static VideoDecoder find() {
        VideoDecoder d = decoder;
        if (d == null) {
            synchronized (Videos.class) {
                d = decoder;
                if (d == null) {
                    try {
                        Iterator<VideoDecoder> it = ServiceLoader.load(VideoDecoder.class, Videos.class.getClassLoader())
                                .iterator();
                        d = it.hasNext() ? it.next() : null;
                    } catch (ServiceConfigurationError e) {
                        Throwable root = e;
                        while (root.getCause() != null) {
                            root = root.getCause();
                        }
                        throw new IllegalStateException("the installed video decoder cannot be loaded (are FFmpeg's "
                                + "native libraries for this platform on the class path?): " + root, e);
                    }
                    decoder = d;
                }
            }
        }
        return d;
    }
}
