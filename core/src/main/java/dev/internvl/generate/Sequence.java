package dev.internvl.generate;

import dev.internvl.FinishReason;
import dev.internvl.GenerationOptions;
import dev.internvl.InvalidRequestException;
import dev.internvl.text.InternVLTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One sequence being generated: its sampler, the tokens so far, its text stream and its stop conditions. The
 * decoding loop ({@link BatchScheduler}) feeds it
 * the logits of its last position and run the token it returns next.
 */
final class Sequence {

    private final int promptTokens;
    private final int maxNew;
    private final Set<Long> stops;
    private final Sampler sampler;
    private final TextStream text; // null without a tokenizer
    private final long[] generated;
    private int count;
    private FinishReason finish;

    /**
     * @param maxNew      tokens it may generate (already bounded by the context)
     * @param tokenizer   decodes the text; null for token ids only (benchmarks)
     * @param stopIds     ids that always end generation; the options add theirs
     * @param stopStrings text that always ends generation; the options add theirs
     */
    Sequence(int promptTokens, int maxNew, GenerationOptions options, InternVLTokenizer tokenizer, Set<Long> stopIds,
            List<String> stopStrings) {
        this.promptTokens = promptTokens;
        this.maxNew = maxNew;
        Set<Long> ids = new HashSet<>(stopIds);
        ids.addAll(options.stopTokenIds());
        this.stops = ids;
        List<String> texts = new ArrayList<>(stopStrings);
        options.stopStrings().stream().filter(s -> !texts.contains(s)).forEach(texts::add);
        this.sampler = new Sampler(options);
        this.text = tokenizer == null ? null
                : new TextStream(tokenizer.newStreamDecoder(options.skipSpecialTokens()), texts);
        this.generated = new long[maxNew];
    }

    /**
     * How many tokens a prompt of {@code promptTokens} may be followed by: {@code maxNewTokens}, bounded by the
     * model's context.
     *
     * @throws InvalidRequestException when the prompt fills the context (code {@code context_length_exceeded})
     * @throws IllegalArgumentException when the prompt is empty
     */
    static int tokenBudget(int promptTokens, int context, GenerationOptions options) {
        if (promptTokens == 0) {
            throw new IllegalArgumentException("a prompt is empty");
        }
        if (promptTokens >= context) {
            throw new InvalidRequestException("the prompt has " + promptTokens + " tokens; the model's context is "
                    + context + " (use fewer or smaller images, or a shorter history)",
                    InvalidRequestException.CONTEXT_LENGTH_EXCEEDED, null, null);
        }
        return Math.min(options.maxNewTokens(), context - promptTokens);
    }

    /**
     * Samples the next token from the logits of the last position, records it and streams its text to
     * {@code emit}; returns the token, which the caller runs next unless the sequence {@link #finished()}.
     */
    long accept(float[] logits, Consumer<String> emit) {
        long id = sampler.next(logits, generated, count);
        generated[count++] = id;
        if (stops.contains(id)) {
            finish = FinishReason.STOP;
        } else {
            if (text != null) {
                emitNonEmpty(emit, text.push(id));
            }
            if (text != null && text.stopped()) {
                finish = FinishReason.STOP;
            } else if (count == maxNew) {
                finish = FinishReason.LENGTH;
            }
        }
        if (finish != null && text != null) {
            emitNonEmpty(emit, text.finish());
        }
        return id;
    }

    /** Ends the sequence early (the text so far is kept and its held-back tail released). */
    void cancel(Consumer<String> emit) {
        if (finish == null) {
            finish = FinishReason.CANCELLED;
            if (text != null) {
                emitNonEmpty(emit, text.finish());
            }
        }
    }

    boolean finished() {
        return finish != null;
    }

    Completion result() {
        boolean stoppedOnId = count > 0 && stops.contains(generated[count - 1]);
        long[] tokens = Arrays.copyOf(generated, stoppedOnId ? count - 1 : count);
        return new Completion(text == null ? "" : text.text(), tokens, finish, promptTokens, count);
    }

    private static void emitNonEmpty(Consumer<String> emit, String delta) {
        if (!delta.isEmpty()) {
            emit.accept(delta);
        }
    }
}
