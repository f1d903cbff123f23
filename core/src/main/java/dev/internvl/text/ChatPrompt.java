package dev.internvl.text;

import java.util.List;

/**
 * A prompt ready to tokenize, as {@code chat()} builds it.
 *
 * @param text the prompt, every {@code <image>} expanded to its image tokens
 * @param textBeforeExpansion the same prompt with the {@code <image>} placeholders (for logs)
 * @param question the question as it enters the history: with the {@code <image>\n} prefix when one was added
 * @param numPatchesList tiles per image, in placeholder order (empty without images)
 * @param imageContextTokens how many {@code <IMG_CONTEXT>} tokens the prompt holds: the number of vision
 *     embeddings it takes
 * @param segments {@code text} cut into the parts that came from the caller (system message when the caller gave it,
 *     history questions and answers, the question) and the rest (template, checkpoint system message, image
 *     expansions, even those inside a question), in order; they join to {@code text}
 */
public record ChatPrompt(
        String text, String textBeforeExpansion, String question, List<Integer> numPatchesList, int imageContextTokens,
        List<Segment> segments) {

    public ChatPrompt {
        numPatchesList = List.copyOf(numPatchesList);
        segments = List.copyOf(segments);
        if (!String.join("", segments.stream().map(Segment::text).toList()).equals(text)) {
            throw new IllegalArgumentException("The segments of a prompt must join to its text");
        }
    }

    /** A prompt whose text is all trusted (template text only). */
    public ChatPrompt(String text, String textBeforeExpansion, String question, List<Integer> numPatchesList,
                      int imageContextTokens) {
        this(text, textBeforeExpansion, question, numPatchesList, imageContextTokens,
                text.isEmpty() ? List.of() : List.of(new Segment(text, false)));
    }

    /**
     * A part of a prompt's text.
     *
     * @param untrusted whether it came from the caller, so that it must not forge control tokens
     */
    public record Segment(String text, boolean untrusted) {
    }

    /** The history entry for the next round once the model has answered (answer as {@link ConversationTemplate#cleanResponse}). */
    public ChatTurn answered(String response) {
        return new ChatTurn(question, response);
    }
}
