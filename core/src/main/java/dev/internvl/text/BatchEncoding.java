package dev.internvl.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Token ids of several prompts padded on the left to one length, as {@code batch_chat()} tokenizes them, with
 * the attention mask (1 for a prompt token, 0 for padding). Left padding keeps every prompt's last token in the
 * last column, where generation continues.
 *
 * @param inputIds one row per prompt
 * @param attentionMask one row per prompt, same shape as {@code inputIds}
 */
public record BatchEncoding(long[][] inputIds, long[][] attentionMask) {

    /**
     * Encodes the prompts with {@code tokenizer} and pads them on the left with its {@linkplain
     * InternVLTokenizer#padTokenId() pad token}.
     *
     * @throws IllegalArgumentException when the prompts differ in length and the tokenizer has no pad token
     */
    public static BatchEncoding leftPadded(InternVLTokenizer tokenizer, List<ChatPrompt> prompts) {
        List<long[]> sequences = new ArrayList<>(prompts.size());
        for (ChatPrompt prompt : prompts) {
            sequences.add(tokenizer.encode(prompt.text()));
        }
        boolean sameLength = sequences.stream().mapToInt(s -> s.length).distinct().count() <= 1;
        long padId = sameLength ? 0 : tokenizer.padTokenId().orElseThrow(() -> new IllegalArgumentException(
                "Cannot pad prompts of different lengths: the tokenizer has no pad token"));
        return leftPadded(sequences, padId);
    }

    /** Pads {@code sequences} on the left with {@code padId} to the length of the longest. */
    public static BatchEncoding leftPadded(List<long[]> sequences, long padId) {
        int length = sequences.stream().mapToInt(s -> s.length).max().orElse(0);
        long[][] ids = new long[sequences.size()][length];
        long[][] mask = new long[sequences.size()][length];
        for (int row = 0; row < sequences.size(); row++) {
            long[] sequence = sequences.get(row);
            int pad = length - sequence.length;
            Arrays.fill(ids[row], 0, pad, padId);
            System.arraycopy(sequence, 0, ids[row], pad, sequence.length);
            Arrays.fill(mask[row], pad, length, 1L);
        }
        return new BatchEncoding(ids, mask);
    }
}
