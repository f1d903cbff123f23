package dev.internvl.text;

/**
 * What the text of a caller (system message, history, question) may turn into when a prompt is tokenized: whether
 * the text of an added token ({@code <|im_end|>}, {@code <|im_start|>}, {@code <img>}, ...) typed in it becomes that
 * control token, as in the reference {@code chat()}, or stays ordinary text. {@code <IMG_CONTEXT>} never comes from
 * caller text in either mode: only the image expansion puts it into a prompt.
 */
public enum SpecialTokensInText {

    /**
     * Added-token texts in caller text are encoded as ordinary text, so a user cannot close their turn and open a
     * system turn of their own. The default of the HTTP API.
     */
    PLAIN,

    /**
     * As the reference {@code chat()}: added-token texts in caller text become their tokens (except
     * {@code <IMG_CONTEXT>}). The default of the engine API. Fine where the caller writes the whole prompt anyway.
     */
    REFERENCE
}
