package dev.internvl.text;

import dev.internvl.ImageLayout;
import java.util.List;

/**
 * The question forms of InternVL's multi-image and video examples. With several images a question either names
 * each image ({@link #separate}: one {@code <image>} per image, each expanded with its own tile count), or treats all
 * tiles as one image ({@link #combined}: the question gets the usual single {@code <image>}).
 */
public final class MultiImageQuestions {

    private MultiImageQuestions() {
    }

    /** {@code Image-1: <image>\nImage-2: <image>\n...} followed by the question. */
    public static String separate(int numImages, String question) {
        return numbered("Image-", numImages) + question;
    }

    /** The tile counts of images passed as one: a single image holding all their tiles. */
    public static List<Integer> combined(List<Integer> tilesPerImage) {
        return List.of(tilesPerImage.stream().mapToInt(Integer::intValue).sum());
    }

    /**
     * A round's question with its images placed as the engine places them, before {@link ChatPromptBuilder#chat}'s
     * {@code <image>\n} rule: unless the question places {@code <image>} itself or the round has history, a video's
     * frames get {@link #videoFrames} and several separate images {@link #separate}; one image, or several
     * {@link ImageLayout#COMBINED}, leave the question as it is.
     */
    public static String place(String question, int images, ImageLayout layout, boolean hasHistory) {
        if (hasHistory || images == 0 || InternVLTokens.countPlaceholders(question) > 0) {
            return question;
        }
        if (layout == ImageLayout.FRAMES) {
            return videoFrames(images, question);
        }
        return layout == ImageLayout.SEPARATE && images > 1 ? separate(images, question) : question;
    }

    /** {@code Frame1: <image>\nFrame2: <image>\n...} followed by the question (one tile per frame). */
    public static String videoFrames(int numFrames, String question) {
        return numbered("Frame", numFrames) + question;
    }

    private static String numbered(String label, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("Need at least one image, got " + count);
        }
        StringBuilder prefix = new StringBuilder();
        for (int i = 1; i <= count; i++) {
            prefix.append(label).append(i).append(": ").append(InternVLTokens.IMAGE_PLACEHOLDER).append('\n');
        }
        return prefix.toString();
    }
}
