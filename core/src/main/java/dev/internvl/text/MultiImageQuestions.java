package dev.internvl.text;

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
