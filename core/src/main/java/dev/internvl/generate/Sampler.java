package dev.internvl.generate;

import dev.internvl.GenerationOptions;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from fp32 logits. Processing order follows the reference generate(): repetition penalty
 * over the tokens generated so far, then (sampling only) temperature, top-k, top-p, and a draw from the
 * renormalized distribution. Greedy decoding takes the first maximum, like {@code argmax}.
 */
public final class Sampler {

    private final GenerationOptions options;
    private final SplittableRandom random;

    public Sampler(GenerationOptions options) {
        this.options = options;
        this.random = options.seed() == null ? new SplittableRandom() : new SplittableRandom(options.seed());
    }

    /**
     * Chooses the next token. {@code logits} is modified in place.
     *
     * @param logits    fp32 logits over the vocabulary
     * @param generated ids generated so far in this sequence (the prompt is not penalized, as in the reference,
     *                  which generates from embeddings)
     * @param count     how many entries of {@code generated} are valid
     */
    public int next(float[] logits, long[] generated, int count) {
        if (options.repetitionPenalty() != 1.0) {
            applyRepetitionPenalty(logits, generated, count, (float) options.repetitionPenalty());
        }
        int best = argmax(logits);
        if (Float.isNaN(logits[best]) || logits[best] == Float.NEGATIVE_INFINITY) {
            throw new IllegalStateException("the model produced no finite logits (NaN or -inf everywhere): "
                    + "the weights or the compute dtype are broken");
        }
        if (options.greedy()) {
            return best;
        }
        return sample(logits);
    }

    static void applyRepetitionPenalty(float[] logits, long[] generated, int count, float penalty) {
        boolean[] seen = new boolean[logits.length];
        for (int i = 0; i < count; i++) {
            int id = (int) generated[i];
            if (id >= 0 && id < logits.length && !seen[id]) {
                seen[id] = true;
                logits[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
            }
        }
    }

    /** The index of the first maximum of {@code logits} (greedy decoding's choice; NaN never wins). */
    public static int argmax(float[] logits) {
        int best = 0;
        float max = logits[0];
        for (int i = 1; i < logits.length; i++) {
            // NaN never wins; the first maximum does
            if (logits[i] > max || Float.isNaN(max)) {
                max = logits[i];
                best = i;
            }
        }
        return best;
    }

    private int sample(float[] logits) {
        int n = logits.length;
        float inv = (float) (1.0 / options.temperature());
        // Candidates sorted by descending logit: keys pack the logit's order-preserving bits and the index.
        int keep = options.topK() > 0 ? Math.min(options.topK(), n) : n;
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            float l = logits[i] * inv;
            int bits = Float.floatToIntBits(Float.isNaN(l) ? Float.NEGATIVE_INFINITY : l);
            int sortable = bits >= 0 ? bits : bits ^ 0x7fffffff;
            keys[i] = ((long) sortable << 32) | (0xffffffffL & ~i); // ties: lower index first
        }
        Arrays.sort(keys);
        // top-k: the reference keeps every token whose logit ties with the k-th largest
        int kth = n - keep;
        float threshold = logitOf(keys[kth], logits, inv);
        int first = kth;
        while (first > 0 && logitOf(keys[first - 1], logits, inv) == threshold) {
            first--;
        }
        float max = logitOf(keys[n - 1], logits, inv);
        double total = 0;
        double[] probs = new double[n - first];
        for (int j = n - 1, k = 0; j >= first; j--, k++) {
            probs[k] = Math.exp(logitOf(keys[j], logits, inv) - max);
            total += probs[k];
        }
        // top-p: keep tokens while the probability mass strictly before them is below p (at least one)
        int count = probs.length;
        if (options.topP() < 1.0) {
            double before = 0;
            for (int k = 0; k < probs.length; k++) {
                if (k > 0 && before / total >= options.topP()) {
                    count = k;
                    break;
                }
                before += probs[k];
            }
        }
        double mass = 0;
        for (int k = 0; k < count; k++) {
            mass += probs[k];
        }
        double u = random.nextDouble() * mass;
        for (int k = 0; k < count; k++) {
            u -= probs[k];
            if (u < 0) {
                return indexOf(keys[n - 1 - k]);
            }
        }
        return indexOf(keys[n - count]);
    }

    private static int indexOf(long key) {
        return ~(int) key;
    }

    private static float logitOf(long key, float[] logits, float inv) {
        float l = logits[indexOf(key)] * inv;
        return Float.isNaN(l) ? Float.NEGATIVE_INFINITY : l;
    }
}
