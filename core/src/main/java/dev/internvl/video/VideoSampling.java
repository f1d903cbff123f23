package dev.internvl.video;

import dev.internvl.InvalidOptionException;
import dev.internvl.InvalidRequestException;

/**
 * Which frames of a video are shown to the model: the reference {@code load_video}'s {@code num_segments} and
 * {@code bound}. The video (or the bound's part of it) is cut into {@code frames} equal segments and the frame in
 * the middle of each is taken, exactly as the model cards' {@code get_index} picks it.
 *
 * @param frames       segments, one frame each (the reference's {@code num_segments}; the model cards use 8 and 16)
 * @param startSeconds where the part to sample starts, in seconds, or null for the start of the video
 * @param endSeconds   where it ends, in seconds, or null for the end of the video
 */
public record VideoSampling(int frames, Double startSeconds, Double endSeconds) {

    /** The frames the model cards' video examples take. */
    public static final int DEFAULT_FRAMES = 8;

    /** What the reference uses for a missing bound: -100000 and 100000 seconds. */
    private static final double UNBOUNDED = 100000;

    public VideoSampling {
        InvalidOptionException.checkRange("frames", frames, 1, Integer.MAX_VALUE);
        if ((startSeconds == null) != (endSeconds == null)) {
            throw new InvalidRequestException("a video bound needs both a start and an end (in seconds), got start="
                    + startSeconds + " end=" + endSeconds);
        }
        if (startSeconds != null) {
            if (!Double.isFinite(startSeconds) || !Double.isFinite(endSeconds) || startSeconds < 0
                    || endSeconds <= startSeconds) {
                throw new InvalidRequestException("a video bound needs 0 <= start < end (in seconds), got start="
                        + startSeconds + " end=" + endSeconds);
            }
        }
    }

    /** {@code frames} frames over the whole video. */
    public static VideoSampling of(int frames) {
        return new VideoSampling(frames, null, null);
    }

    /** {@value #DEFAULT_FRAMES} frames over the whole video. */
    public static VideoSampling defaults() {
        return of(DEFAULT_FRAMES);
    }

    /** The same number of frames, taken between {@code startSeconds} and {@code endSeconds}. */
    public VideoSampling between(double startSeconds, double endSeconds) {
        return new VideoSampling(frames, startSeconds, endSeconds);
    }

    /** Whether a part of the video is sampled rather than all of it. */
    public boolean bounded() {
        return startSeconds != null;
    }

    /**
     * The frame indices the reference {@code get_index(bound, fps, max_frame, first_idx=0, num_segments)} returns
     * for a video of {@code frameCount} frames at {@code fps} frames per second (as decord reports them).
     * Python's {@code round} and NumPy's {@code np.round} both round half to even ({@link Math#rint}); {@code int()}
     * truncates. The arithmetic is the reference's, in the same order, in doubles.
     *
     * @throws InvalidRequestException when the bound lies after the video's last frame, so that the reference would
     *     index past it
     */
    public int[] frameIndices(int frameCount, double fps) {
        if (frameCount < 1) {
            throw new IllegalArgumentException("a video has at least one frame, got " + frameCount);
        }
        if (!(fps > 0) || !Double.isFinite(fps)) {
            throw new IllegalArgumentException("a video's frame rate must be positive, got " + fps);
        }
        double start = bounded() ? startSeconds : -UNBOUNDED;
        double end = bounded() ? endSeconds : UNBOUNDED;
        long maxFrame = frameCount - 1L;
        long startIdx = Math.max(0L, (long) Math.rint(start * fps));
        long endIdx = Math.min((long) Math.rint(end * fps), maxFrame);
        double segSize = (double) (endIdx - startIdx) / frames;
        int[] indices = new int[frames];
        for (int k = 0; k < frames; k++) {
            double index = startIdx + segSize / 2 + Math.rint(segSize * k);
            if (index >= frameCount || index <= -1) { // int() truncates toward zero: (-1, 0) is frame 0
                throw new InvalidRequestException(String.format(java.util.Locale.ROOT, "the video bound %s..%s s "
                        + "lies after the video's last frame (%d frames at %.3f fps)", startSeconds, endSeconds,
                        frameCount, fps));
            }
            indices[k] = (int) index;
        }
        return indices;
    }
}
