package dev.internvl.text;

import java.util.List;

/**
 * The special tokens that InternVL adds to its language models' tokenizers, and the {@code <image>} placeholder of
 * questions, which prompts expand to {@code <img>} + {@code <IMG_CONTEXT>} × (tokens per tile × tiles) +
 * {@code </img>}: the rows whose embeddings the projected vision features replace.
 */
public final class InternVLTokens {

    /** Where an image goes in a question; not a token: prompts expand it. */
    public static final String IMAGE_PLACEHOLDER = "<image>";
    public static final String IMG_START = "<img>";
    public static final String IMG_END = "</img>";
    public static final String IMG_CONTEXT = "<IMG_CONTEXT>";
    public static final String QUAD_START = "<quad>";
    public static final String QUAD_END = "</quad>";
    public static final String REF_START = "<ref>";
    public static final String REF_END = "</ref>";
    public static final String BOX_START = "<box>";
    public static final String BOX_END = "</box>";

    /** The nine added tokens, in the order of their ids (e.g. 151646..151654 for Qwen2). */
    public static final List<String> ALL = List.of(
            IMG_START, IMG_END, IMG_CONTEXT, QUAD_START, QUAD_END, REF_START, REF_END, BOX_START, BOX_END);

    /** Image tokens per 448×448 tile: (448 / 14)² patches, pixel-shuffled by 0.5. */
    public static final int DEFAULT_TOKENS_PER_TILE = 256;

    private InternVLTokens() {
    }

    /** How many {@code <image>} placeholders {@code text} holds. */
    public static int countPlaceholders(String text) {
        int count = 0;
        for (int at = text.indexOf(IMAGE_PLACEHOLDER); at >= 0; at = text.indexOf(IMAGE_PLACEHOLDER, at + 1)) {
            count++;
        }
        return count;
    }

    /**
     * Replaces the placeholders of {@code text} in order, the i-th with the tokens of an image of
     * {@code numPatchesList.get(i)} tiles; placeholders beyond the list stay as they are.
     */
    public static String expandPlaceholders(String text, List<Integer> numPatchesList, int tokensPerTile) {
        StringBuilder out = new StringBuilder(text.length()
                + numPatchesList.stream().mapToInt(Integer::intValue).sum() * tokensPerTile * IMG_CONTEXT.length());
        int from = 0;
        for (int tiles : numPatchesList) {
            int at = text.indexOf(IMAGE_PLACEHOLDER, from);
            if (at < 0) {
                break;
            }
            out.append(text, from, at).append(IMG_START).append(IMG_CONTEXT.repeat(tokensPerTile * tiles)).append(IMG_END);
            from = at + IMAGE_PLACEHOLDER.length();
        }
        return out.append(text, from, text.length()).toString();
    }
}
