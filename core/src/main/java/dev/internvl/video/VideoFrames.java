package dev.internvl.video;

import dev.internvl.image.RgbImage;
import java.util.List;
import java.util.Objects;

/**
 * The frames sampled from a video, in order, with the indices they have in the video and what the video is.
 *
 * @param info    the video's frame count, frame rate, size and codec
 * @param indices each frame's index in the video (0-based, presentation order), as the reference's {@code get_index}
 * @param frames  the decoded frames, RGB as decord returns them
 */
public record VideoFrames(VideoInfo info, List<Integer> indices, List<RgbImage> frames) {

    public VideoFrames {
        Objects.requireNonNull(info, "info");
        indices = List.copyOf(indices);
        frames = List.copyOf(frames);
        if (indices.size() != frames.size() || frames.isEmpty()) {
            throw new IllegalArgumentException("a video's sample needs one index per frame and at least one frame, got "
                    + indices.size() + " indices and " + frames.size() + " frames");
        }
    }
}
