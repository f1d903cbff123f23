package dev.internvl.generate;

import dev.internvl.model.Decoder;
import dev.internvl.model.KvCache;
import dev.internvl.model.VisionEmbeddings;
import dev.internvl.text.InternVLTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The decoding loop: runs the prompts once (left-padded into one batch, images scattered into their
 * {@code <IMG_CONTEXT>} rows), then one position per step from the {@link KvCache}, sampling each row until it
 * produces a stop token or stop string, reaches {@code maxNewTokens}, or is cancelled. Text is decoded
 * incrementally and streamed without ever splitting a UTF-8 character.
 */
public final class Generator {

    /** Receives streamed text; may cancel. Calls come on the generating thread. */
    public interface Listener {
        /** New text of row {@code row}; the concatenation of a row's deltas equals its final answer. */
        void onText(int row, String delta);

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
        if (prompts.stream().anyMatch(p -> p.length == 0)) {
            throw new IllegalArgumentException("a prompt is empty");
        }
        int context = decoder.config().contextLength();
        if (longest >= context) {
            throw new IllegalArgumentException("the prompt has " + longest + " tokens; the model's context is "
                    + context + " (use fewer or smaller images, or a shorter history)");
        }
        int maxNew = Math.min(options.maxNewTokens(), context - longest);
        long[][] ids = new long[b][longest];
        int[] pad = new int[b];
        for (int r = 0; r < b; r++) {
            long[] p = prompts.get(r);
            pad[r] = longest - p.length;
            Arrays.fill(ids[r], 0, pad[r], padId);
            System.arraycopy(p, 0, ids[r], pad[r], p.length);
        }
        Set<Long> stops = new HashSet<>(stopIds);
        stops.addAll(options.stopTokenIds());
        List<String> stopText = new ArrayList<>(stopStrings);
        options.stopStrings().stream().filter(s -> !stopText.contains(s)).forEach(stopText::add);

        Sampler[] samplers = new Sampler[b];
        TextStream[] texts = new TextStream[b];
        long[][] generated = new long[b][maxNew];
        int[] count = new int[b];
        FinishReason[] finish = new FinishReason[b];
        for (int r = 0; r < b; r++) {
            samplers[r] = new Sampler(options);
            texts[r] = new TextStream(tokenizer.newStreamDecoder(options.skipSpecialTokens()), stopText);
        }
        try (KvCache cache = decoder.newCache(b, longest + maxNew)) {
            float[][] logits = decoder.forward(ids, pad, images, imageTokenId, cache);
            int active = b;
            while (active > 0) {
                if (listener.cancelled()) {
                    for (int r = 0; r < b; r++) {
                        if (finish[r] == null) {
                            finish[r] = FinishReason.CANCELLED;
                        }
                    }
                    break;
                }
                long[][] next = new long[b][1];
                for (int r = 0; r < b; r++) {
                    next[r][0] = padId;
                    if (finish[r] != null) {
                        continue;
                    }
                    long id = samplers[r].next(logits[r], generated[r], count[r]);
                    generated[r][count[r]++] = id;
                    next[r][0] = id;
                    if (stops.contains(id)) {
                        finish[r] = FinishReason.STOP;
                    } else {
                        emit(listener, r, texts[r].push(id));
                        if (texts[r].stopped()) {
                            finish[r] = FinishReason.STOP;
                        } else if (count[r] == maxNew) {
                            finish[r] = FinishReason.LENGTH;
                        }
                    }
                    if (finish[r] != null) {
                        active--;
                        emit(listener, r, texts[r].finish());
                    }
                }
                if (active > 0) {
                    logits = decoder.forward(next, pad, null, imageTokenId, cache);
                }
            }
        }
        List<Result> results = new ArrayList<>(b);
        for (int r = 0; r < b; r++) {
            if (finish[r] == FinishReason.CANCELLED) {
                emit(listener, r, texts[r].finish());
            }
            int n = count[r];
            boolean stoppedOnId = n > 0 && stops.contains(generated[r][n - 1]);
            long[] tokens = Arrays.copyOf(generated[r], stoppedOnId ? n - 1 : n);
            results.add(new Result(texts[r].text(), tokens, finish[r], prompts.get(r).length, n));
        }
        return results;
    }

    private static void emit(Listener listener, int row, String delta) {
        if (!delta.isEmpty()) {
            listener.onText(row, delta);
        }
    }
}
