package dev.internvl;

import java.util.List;
import java.util.Set;

/**
 * How to generate. Greedy when {@code temperature} is 0 (the default, as the reference chat examples use
 * {@code do_sample=False}); otherwise sampling with temperature, then top-k, then top-p, after the repetition
 * penalty — the order of the reference generate().
 *
 * @param maxNewTokens      upper bound on generated tokens (finish reason {@code LENGTH} when reached)
 * @param temperature       0 for greedy, else the softmax temperature
 * @param topK              keep the k most likely tokens (0 = off)
 * @param topP              keep the smallest set of tokens whose probability reaches p (1 = off)
 * @param repetitionPenalty divide positive (multiply negative) logits of already generated tokens (1 = off)
 * @param seed              seed of the sampler, null for a random one
 * @param stopStrings       text that ends generation; it is not part of the returned text
 * @param stopTokenIds      token ids that end generation, in addition to the template's separator
 * @param skipSpecialTokens drop special tokens from the text (true, as the reference chat() does); grounding
 *                          output needs false to keep {@code <ref>} and {@code <box>}
 */
public record GenerationOptions(int maxNewTokens, double temperature, int topK, double topP, double repetitionPenalty,
        Long seed, List<String> stopStrings, Set<Long> stopTokenIds, boolean skipSpecialTokens) {

    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw new InvalidOptionException("maxNewTokens", "must be at least 1", maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new InvalidOptionException("temperature", "must be a finite number >= 0 (0 decodes greedily)",
                    temperature);
        }
        if (topK < 0) {
            throw new InvalidOptionException("topK", "must be >= 0 (0 is off)", topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new InvalidOptionException("topP", "must be in (0, 1] (1 is off)", topP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new InvalidOptionException("repetitionPenalty", "must be a finite number > 0 (1 is off)",
                    repetitionPenalty);
        }
        if (stopStrings != null && stopStrings.stream().anyMatch(x -> x == null || x.isEmpty())) {
            throw new InvalidOptionException("stopStrings", "must not hold empty strings",
                    stopStrings.stream().map(x -> x == null ? "null" : "'" + x + "'").toList());
        }
        stopStrings = List.copyOf(stopStrings == null ? List.of() : stopStrings);
        stopTokenIds = Set.copyOf(stopTokenIds == null ? Set.of() : stopTokenIds);
    }

    /** Greedy decoding of up to 1024 new tokens. */
    public static GenerationOptions defaults() {
        return builder().build();
    }

    public boolean greedy() {
        return temperature == 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().maxNewTokens(maxNewTokens).temperature(temperature).topK(topK).topP(topP)
                .repetitionPenalty(repetitionPenalty).seed(seed).stopStrings(stopStrings).stopTokenIds(stopTokenIds)
                .skipSpecialTokens(skipSpecialTokens);
    }

    /** Builder with the defaults of {@link #defaults()}. */
    public static final class Builder {
        private int maxNewTokens = 1024;
        private double temperature;
        private int topK;
        private double topP = 1.0;
        private double repetitionPenalty = 1.0;
        private Long seed;
        private List<String> stopStrings = List.of();
        private Set<Long> stopTokenIds = Set.of();
        private boolean skipSpecialTokens = true;

        public Builder maxNewTokens(int v) {
            maxNewTokens = v;
            return this;
        }

        public Builder temperature(double v) {
            temperature = v;
            return this;
        }

        public Builder topK(int v) {
            topK = v;
            return this;
        }

        public Builder topP(double v) {
            topP = v;
            return this;
        }

        public Builder repetitionPenalty(double v) {
            repetitionPenalty = v;
            return this;
        }

        public Builder seed(Long v) {
            seed = v;
            return this;
        }

        public Builder stopStrings(List<String> v) {
            stopStrings = v;
            return this;
        }

        public Builder stopTokenIds(Set<Long> v) {
            stopTokenIds = v;
            return this;
        }

        public Builder skipSpecialTokens(boolean v) {
            skipSpecialTokens = v;
            return this;
        }

        public GenerationOptions build() {
            return new GenerationOptions(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, stopStrings,
                    stopTokenIds, skipSpecialTokens);
        }
    }
}
