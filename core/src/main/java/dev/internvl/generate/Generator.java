package dev.internvl.generate;

import dev.internvl.model.Decoder;
import dev.internvl.model.KvCache;
import dev.internvl.model.VisionEmbeddings;
import dev.internvl.text.InternVLTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The static batch loop: runs the prompts once (left-padded into one batch as the reference batch_chat() does,
 * images scattered into their {@code <IMG_CONTEXT>} rows), then one position per step from the {@link KvCache},
 * sampling each row until it produces a stop token or stop string, reaches {@code maxNewTokens}, or is cancelled.
 * Text is decoded incrementally and streamed without ever splitting a UTF-8 character. All rows start together;
 * serving, where requests come and go, uses the {@link BatchScheduler} instead (the benchmark's static batches use
 * this loop).
 */
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

    private final Decoder decoder;
    private final InternVLTokenizer tokenizer;
    private final long imageTokenId;
    private final long padId;
    private final Set<Long> stopIds;
    private final List<String> stopStrings;

    /**
     * @param tokenizer   decodes the streamed text; null for token ids only (benchmarks)
     * @param stopIds     ids that always end generation (template separator, eos ids)
     * @param stopStrings text that always ends generation
     */
    public Generator(Decoder decoder, InternVLTokenizer tokenizer, long imageTokenId, long padId, Set<Long> stopIds,
            List<String> stopStrings) {
        this.decoder = decoder;
        this.tokenizer = tokenizer;
        this.imageTokenId = imageTokenId;
        this.padId = padId;
        this.stopIds = Set.copyOf(stopIds);
        this.stopStrings = List.copyOf(stopStrings);
    }

    /** Generates a continuation for each prompt. {@code images} fill the prompts' image rows, in order. */
    public List<Result> generate(List<long[]> prompts, VisionEmbeddings images, GenerationOptions options,
            Listener listener) {
        int b = prompts.size();
        if (b == 0) {
            return List.of();
        }
        int longest = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        int maxNew = Integer.MAX_VALUE; // the longest prompt's budget, every prompt checked
        for (long[] p : prompts) {
            maxNew = Math.min(maxNew, Sequence.tokenBudget(p.length, decoder.config().contextLength(), options));
        }
        long[][] ids = new long[b][longest];
        int[] pad = new int[b];
        for (int r = 0; r < b; r++) {
            long[] p = prompts.get(r);
            pad[r] = longest - p.length;
            Arrays.fill(ids[r], 0, pad[r], padId);
            System.arraycopy(p, 0, ids[r], pad[r], p.length);
        }
        Sequence[] seqs = new Sequence[b];
        for (int r = 0; r < b; r++) {
            seqs[r] = new Sequence(prompts.get(r).length, maxNew, options, tokenizer, stopIds, stopStrings);
        }
        try (KvCache cache = decoder.newCache(b, longest + maxNew)) {
            float[][] logits = decoder.forward(ids, pad, images, imageTokenId, cache);
            int active = b;
            while (active > 0) {
                if (listener.cancelled()) {
                    for (int r = 0; r < b; r++) {
                        int row = r;
                        seqs[r].cancel(delta -> listener.onText(row, delta));
                    }
                    break;
                }
                long[][] next = new long[b][1];
                for (int r = 0; r < b; r++) {
                    next[r][0] = padId;
                    if (seqs[r].finished()) {
                        continue;
                    }
                    int row = r;
                    next[r][0] = seqs[r].accept(logits[r], delta -> listener.onText(row, delta));
                    listener.onToken(r, next[r][0]);
                    if (seqs[r].finished()) {
                        active--;
                    }
                }
                if (active > 0) {
                    logits = decoder.forward(next, pad, null, imageTokenId, cache);
                }
            }
        }
        List<Result> results = new ArrayList<>(b);
        for (Sequence seq : seqs) {
            results.add(seq.result());
        }
        return results;
    }
}
