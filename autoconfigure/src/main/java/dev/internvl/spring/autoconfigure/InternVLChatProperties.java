package dev.internvl.spring.autoconfigure;

import dev.internvl.spring.ai.InternVLChatOptions;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Default generation settings of the InternVL chat model. Unset ones fall back to the engine's defaults (greedy
 * decoding of up to 1024 tokens); a request's options override them field by field.
 */
@ConfigurationProperties(InternVLChatProperties.PREFIX)
public class InternVLChatProperties {

    public static final String PREFIX = "spring.ai.internvl.chat";

    private final Options options = new Options();

    public Options getOptions() {
        return options;
    }

    /** The default chat options of the InternVL chat model, for {@code id} (null: the checkpoint folder's name). */
    public InternVLChatOptions toChatOptions(String id) {
        return InternVLChatOptions.builder()
                .model(id)
                .temperature(options.temperature)
                .topP(options.topP)
                .topK(options.topK)
                .maxTokens(options.maxTokens)
                .repetitionPenalty(options.repetitionPenalty)
                .seed(options.seed)
                .stopSequences(options.stop.isEmpty() ? null : List.copyOf(options.stop))
                .build();
    }

    /** Generation defaults. */
    public static class Options {

        /**
         * Sampling temperature; 0 decodes greedily (the engine's default, as the reference chat examples do).
         */
        private Double temperature;

        /**
         * Nucleus sampling: keep the smallest set of tokens whose probability reaches this mass, in (0, 1]. 1 turns it
         * off.
         */
        private Double topP;

        /**
         * Keep only the k most likely tokens when sampling. 0 turns it off.
         */
        private Integer topK;

        /**
         * Maximum number of tokens to generate (1024 when unset).
         */
        private Integer maxTokens;

        /**
         * Repetition penalty over the generated tokens, as Hugging Face's repetition_penalty. 1 turns it off.
         */
        private Double repetitionPenalty;

        /**
         * Seed of the sampler: with a temperature above 0, the same seed gives the same answer. Random when unset.
         */
        private Long seed;

        /**
         * Stop sequences: text that ends the answer and is left out of it.
         */
        private List<String> stop = new ArrayList<>();

        public Double getTemperature() {
            return temperature;
        }

        public void setTemperature(Double temperature) {
            this.temperature = temperature;
        }

        public Double getTopP() {
            return topP;
        }

        public void setTopP(Double topP) {
            this.topP = topP;
        }

        public Integer getTopK() {
            return topK;
        }

        public void setTopK(Integer topK) {
            this.topK = topK;
        }

        public Integer getMaxTokens() {
            return maxTokens;
        }

        public void setMaxTokens(Integer maxTokens) {
            this.maxTokens = maxTokens;
        }

        public Double getRepetitionPenalty() {
            return repetitionPenalty;
        }

        public void setRepetitionPenalty(Double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
        }

        public Long getSeed() {
            return seed;
        }

        public void setSeed(Long seed) {
            this.seed = seed;
        }

        public List<String> getStop() {
            return stop;
        }

        public void setStop(List<String> stop) {
            this.stop = stop;
        }
    }
}
