package dev.internvl.text;

import java.util.Objects;

/**
 * One exchange of a conversation: the user's question and the assistant's answer. An answer that is null or empty
 * leaves the assistant's turn open, as in the official templates (where an empty message counts as none).
 */
public record ChatTurn(String question, String answer) {

    public ChatTurn {
        Objects.requireNonNull(question, "question");
    }

    /** A question whose answer is still to be generated. */
    public static ChatTurn open(String question) {
        return new ChatTurn(question, null);
    }
}
