package dev.internvl;

/**
 * Receives a request's answer as it is generated, and may stop it. Calls come on the engine's worker thread,
 * between decoding steps, so they must return quickly (hand the text to a queue, a sink or a socket); an exception
 * thrown here fails the request, not the engine. Reactor, Spring's SSE support and the CLI adapt this interface
 * directly, without threads of their own.
 */
public interface ChatListener {

    /** New text; the concatenation of the deltas equals the final answer (never a split UTF-8 character). */
    void onText(String delta);

    /** Every sampled token, the stop token included, right after its text. */
    default void onToken(long tokenId) {
    }

    /** Polled before every step; true ends the request with {@link FinishReason#CANCELLED}. */
    default boolean cancelled() {
        return false;
    }

    /** A listener that ignores the text and never cancels. */
    ChatListener SILENT = delta -> { };
}
