package dev.internvl;

import dev.internvl.text.ChatTurn;
import java.util.List;

/**
 * The answer to a {@link ChatRequest}.
 *
 * @param text             the answer (as the reference chat() returns it: cut at the separator, stripped)
 * @param finishReason     STOP, LENGTH or CANCELLED
 * @param promptTokens     prompt length in tokens, image tokens included
 * @param completionTokens generated tokens, the stop token included
 * @param tokenIds         generated ids without the stop token
 * @param history          the conversation including this round, to pass to the next request
 */
public record ChatAnswer(String text, FinishReason finishReason, int promptTokens, int completionTokens,
        long[] tokenIds, List<ChatTurn> history) {
}
