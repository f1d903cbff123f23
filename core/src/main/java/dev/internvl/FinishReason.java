package dev.internvl;

/** Why generation of a sequence ended. */
public enum FinishReason {
    /** A stop token (the template separator, an eos id, a configured id) or a stop string was produced. */
    STOP,
    /** {@code maxNewTokens} was reached. */
    LENGTH,
    /** The caller cancelled. */
    CANCELLED
}
