package dev.internvl.generate;

/** What generation hands back: streamed text through a {@link Listener}, and a {@link Result} at the end. */
public final class Generator {

    /** Receives streamed text; may cancel. Calls come on the generating thread. */
    public interface Listener {
        /** New text of row {@code row}; the concatenation of a row's deltas equals its final answer. */
        void onText(int row, String delta);

        /** Every sampled token of row {@code row}, the stop token included, right after its text. */
        default void onToken(int row, long tokenId) {
        }

        /** Polled before every step; true ends all rows with {@link FinishReason#CANCELLED}. */
        default boolean cancelled() {
            return false;
        }
    }

    /** A listener that ignores the text and never cancels. */
    public static final Listener SILENT = (row, delta) -> { };

    /**
     * One finished sequence.
     *
     * @param text             the answer (cut at the stop string, stripped)
     * @param tokenIds         generated ids, without the stop token
     * @param finishReason     why it ended
     * @param promptTokens     prompt length in tokens (without padding)
     * @param completionTokens tokens generated, the stop token included
     */
    public record Result(String text, long[] tokenIds, FinishReason finishReason, int promptTokens,
            int completionTokens) {
    }
}
