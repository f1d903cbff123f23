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
 */
public record ChatPrompt(
        String text, String textBeforeExpansion, String question, List<Integer> numPatchesList, int imageContextTokens) {

    public ChatPrompt {
        numPatchesList = List.copyOf(numPatchesList);
    }

    /** The history entry for the next round once the model has answered (answer as {@link ConversationTemplate#cleanResponse}). */
    public ChatTurn answered(String response) {
        return new ChatTurn(question, response);
    }
}
