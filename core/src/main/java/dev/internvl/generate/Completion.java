package dev.internvl.generate;

import dev.internvl.FinishReason;

/**
 * One finished sequence, as the scheduler hands it back.
 *
 * @param text             the answer (cut at the stop string, stripped)
 * @param tokenIds         generated ids, without the stop token
 * @param finishReason     why it ended
 * @param promptTokens     prompt length in tokens
 * @param completionTokens tokens generated, the stop token included
 */
public record Completion(String text, long[] tokenIds, FinishReason finishReason, int promptTokens,
        int completionTokens) {
}
