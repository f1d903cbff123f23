package dev.internvl.spring.ai;

import dev.internvl.text.SpecialTokensInText;
import java.util.List;
import java.util.Objects;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.DefaultChatOptionsBuilder;

/**
 * Chat options of an {@link InternVLChatModel}: Spring AI's portable ones plus InternVL's tiling and sampling
 * settings. Immutable; every field may be null, meaning "not set here": a request's options fall back field by
 * field to the model's default options, and those to the engine's {@code GenerationOptions} and tiling defaults.
 *
 * <p>{@link #getFrequencyPenalty()} and {@link #getPresencePenalty()} have no InternVL counterpart: null or 0 is
 * accepted, any other value is rejected when the request runs (use {@link #getRepetitionPenalty()}).
 */
public final class InternVLChatOptions implements ChatOptions {

    private final String model;
    private final Double temperature;
    private final Double topP;
    private final Integer topK;
    private final Integer maxTokens;
    private final List<String> stopSequences;
    private final Double frequencyPenalty;
    private final Double presencePenalty;
    private final Integer maxTiles;
    private final Boolean thumbnail;
    private final Long seed;
    private final Double repetitionPenalty;
    private final SpecialTokensInText specialTokensInText;
    private final Integer videoFrames;
    private final Double videoStart;
    private final Double videoEnd;
    private final Boolean skipSpecialTokens;

    private InternVLChatOptions(String model, Double temperature, Double topP, Integer topK, Integer maxTokens,
            List<String> stopSequences, Double frequencyPenalty, Double presencePenalty, Integer maxTiles,
            Boolean thumbnail, Long seed, Double repetitionPenalty, SpecialTokensInText specialTokensInText,
            Integer videoFrames, Double videoStart, Double videoEnd, Boolean skipSpecialTokens) {
        this.model = model;
        this.temperature = temperature;
        this.topP = topP;
        this.topK = topK;
        this.maxTokens = maxTokens;
        this.stopSequences = stopSequences == null ? null : List.copyOf(stopSequences);
        this.frequencyPenalty = frequencyPenalty;
        this.presencePenalty = presencePenalty;
        this.maxTiles = maxTiles;
        this.thumbnail = thumbnail;
        this.seed = seed;
        this.repetitionPenalty = repetitionPenalty;
        this.specialTokensInText = specialTokensInText;
        this.videoFrames = videoFrames;
        this.videoStart = videoStart;
        this.videoEnd = videoEnd;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /** An empty builder: every field unset. */
    public static Builder builder() {
        return new Builder();
    }

    /** The portable fields of any {@link ChatOptions}, plus the InternVL ones when {@code options} is ours. */
    public static InternVLChatOptions from(ChatOptions options) {
        if (options instanceof InternVLChatOptions mine) {
            return mine;
        }
        return builder().model(options.getModel()).temperature(options.getTemperature()).topP(options.getTopP())
                .topK(options.getTopK()).maxTokens(options.getMaxTokens()).stopSequences(options.getStopSequences())
                .frequencyPenalty(options.getFrequencyPenalty()).presencePenalty(options.getPresencePenalty())
                .build();
    }

    /**
     * {@code overrides} over {@code base}, field by field: a non-null field of {@code overrides} wins, lists
     * included (stop sequences are replaced, not appended).
     */
    public static InternVLChatOptions merge(InternVLChatOptions base, ChatOptions overrides) {
        if (overrides == null) {
            return base;
        }
        InternVLChatOptions o = from(overrides);
        return builder()
                .model(pick(o.model, base.model))
                .temperature(pick(o.temperature, base.temperature))
                .topP(pick(o.topP, base.topP))
                .topK(pick(o.topK, base.topK))
                .maxTokens(pick(o.maxTokens, base.maxTokens))
                .stopSequences(pick(o.stopSequences, base.stopSequences))
                .frequencyPenalty(pick(o.frequencyPenalty, base.frequencyPenalty))
                .presencePenalty(pick(o.presencePenalty, base.presencePenalty))
                .maxTiles(pick(o.maxTiles, base.maxTiles))
                .thumbnail(pick(o.thumbnail, base.thumbnail))
                .seed(pick(o.seed, base.seed))
                .repetitionPenalty(pick(o.repetitionPenalty, base.repetitionPenalty))
                .specialTokensInText(pick(o.specialTokensInText, base.specialTokensInText))
                .videoFrames(pick(o.videoFrames, base.videoFrames))
                .videoStart(pick(o.videoStart, base.videoStart))
                .videoEnd(pick(o.videoEnd, base.videoEnd))
                .skipSpecialTokens(pick(o.skipSpecialTokens, base.skipSpecialTokens))
                .build();
    }

    private static <T> T pick(T preferred, T fallback) {
        return preferred != null ? preferred : fallback;
    }

    @Override
    public String getModel() {
        return model;
    }

    /** Softmax temperature; 0 decodes greedily (the engine's default). */
    @Override
    public Double getTemperature() {
        return temperature;
    }

    /** Nucleus sampling: keep the smallest set of tokens whose probability reaches p, in (0, 1]; 1 is off. */
    @Override
    public Double getTopP() {
        return topP;
    }

    /** Keep the k most likely tokens; 0 is off. */
    @Override
    public Integer getTopK() {
        return topK;
    }

    /** Upper bound on generated tokens (the engine's {@code maxNewTokens}). */
    @Override
    public Integer getMaxTokens() {
        return maxTokens;
    }

    /** Text that ends the answer; it is not part of the returned text. */
    @Override
    public List<String> getStopSequences() {
        return stopSequences;
    }

    /** Not supported by InternVL: only null or 0 is accepted. */
    @Override
    public Double getFrequencyPenalty() {
        return frequencyPenalty;
    }

    /** Not supported by InternVL: only null or 0 is accepted. */
    @Override
    public Double getPresencePenalty() {
        return presencePenalty;
    }

    /** Tiles per image at most, 1..40 (the checkpoint's {@code max_dynamic_patch} by default). */
    public Integer getMaxTiles() {
        return maxTiles;
    }

    /** Whether multi-tile images get an extra thumbnail tile (the checkpoint's {@code use_thumbnail} by default). */
    public Boolean getThumbnail() {
        return thumbnail;
    }

    /** Seed of the sampler: with a temperature above 0, the same seed gives the same answer. */
    public Long getSeed() {
        return seed;
    }

    /** Divides the logits of already generated tokens (HF {@code repetition_penalty}); 1 is off. */
    public Double getRepetitionPenalty() {
        return repetitionPenalty;
    }

    /**
     * Whether the text of added tokens ({@code <|im_end|>}, {@code <|im_start|>}, {@code <img>}, ...) in the messages
     * becomes those tokens ({@link SpecialTokensInText#REFERENCE}, the engine's default, as the reference
     * {@code chat()}) or stays text ({@link SpecialTokensInText#PLAIN}: set it when messages come from people other
     * than the application, so that they cannot forge a system turn). {@code <IMG_CONTEXT>} never comes from text.
     */
    public SpecialTokensInText getSpecialTokensInText() {
        return specialTokensInText;
    }

    /**
     * Frames sampled from a video (the reference {@code load_video}'s {@code num_segments}): the video is cut into
     * this many equal segments and the middle frame of each is shown; null: {@value
     * dev.internvl.video.VideoSampling#DEFAULT_FRAMES}, as the model cards.
     */
    public Integer getVideoFrames() {
        return videoFrames;
    }

    /**
     * Where the part of a video to sample starts, in seconds (the reference's {@code bound}); set together with
     * {@link #getVideoEnd()}, null for the whole video.
     */
    public Double getVideoStart() {
        return videoStart;
    }

    /** Where the part of a video to sample ends, in seconds; see {@link #getVideoStart()}. */
    public Double getVideoEnd() {
        return videoEnd;
    }

    /**
     * Whether the answer's special tokens ({@code <ref>}, {@code </ref>}, {@code <box>}, {@code </box>}, ...) are
     * dropped from its text: true is the engine's default, as the reference {@code chat()} and vLLM's
     * {@code skip_special_tokens}; false keeps them, as grounding needs ({@code VisionTasks} asks for it); null: the
     * engine's default generation options decide.
     */
    public Boolean getSkipSpecialTokens() {
        return skipSpecialTokens;
    }

    @Override
    public Builder mutate() {
        return builder().model(model).temperature(temperature).topP(topP).topK(topK).maxTokens(maxTokens)
                .stopSequences(stopSequences).frequencyPenalty(frequencyPenalty).presencePenalty(presencePenalty)
                .maxTiles(maxTiles).thumbnail(thumbnail).seed(seed).repetitionPenalty(repetitionPenalty)
                .specialTokensInText(specialTokensInText).videoFrames(videoFrames).videoStart(videoStart)
                .videoEnd(videoEnd).skipSpecialTokens(skipSpecialTokens);
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof InternVLChatOptions that
                && Objects.equals(model, that.model) && Objects.equals(temperature, that.temperature)
                && Objects.equals(topP, that.topP) && Objects.equals(topK, that.topK)
                && Objects.equals(maxTokens, that.maxTokens) && Objects.equals(stopSequences, that.stopSequences)
                && Objects.equals(frequencyPenalty, that.frequencyPenalty)
                && Objects.equals(presencePenalty, that.presencePenalty) && Objects.equals(maxTiles, that.maxTiles)
                && Objects.equals(thumbnail, that.thumbnail) && Objects.equals(seed, that.seed)
                && Objects.equals(repetitionPenalty, that.repetitionPenalty)
                && Objects.equals(specialTokensInText, that.specialTokensInText)
                && Objects.equals(videoFrames, that.videoFrames) && Objects.equals(videoStart, that.videoStart)
                && Objects.equals(videoEnd, that.videoEnd)
                && Objects.equals(skipSpecialTokens, that.skipSpecialTokens);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, temperature, topP, topK, maxTokens, stopSequences, frequencyPenalty,
                presencePenalty, maxTiles, thumbnail, seed, repetitionPenalty, specialTokensInText, videoFrames,
                videoStart, videoEnd, skipSpecialTokens);
    }

    @Override
    public String toString() {
        return "InternVLChatOptions{model=" + model + ", temperature=" + temperature + ", topP=" + topP
                + ", topK=" + topK + ", maxTokens=" + maxTokens + ", stopSequences=" + stopSequences
                + ", frequencyPenalty=" + frequencyPenalty + ", presencePenalty=" + presencePenalty
                + ", maxTiles=" + maxTiles + ", thumbnail=" + thumbnail + ", seed=" + seed
                + ", repetitionPenalty=" + repetitionPenalty + ", specialTokensInText=" + specialTokensInText
                + ", videoFrames=" + videoFrames + ", videoStart=" + videoStart + ", videoEnd=" + videoEnd
                + ", skipSpecialTokens=" + skipSpecialTokens + "}";
    }

    /**
     * Builder of {@link InternVLChatOptions}. It is a Spring AI options builder, so {@code ChatClient} can combine
     * it with portable options ({@link #combineWith}: non-null fields of the other builder win).
     */
    public static final class Builder extends DefaultChatOptionsBuilder<Builder> {

        private Integer maxTiles;
        private Boolean thumbnail;
        private Long seed;
        private Double repetitionPenalty;
        private SpecialTokensInText specialTokensInText;
        private Integer videoFrames;
        private Double videoStart;
        private Double videoEnd;
        private Boolean skipSpecialTokens;

        private Builder() {
        }

        /** See {@link InternVLChatOptions#getSkipSpecialTokens()}. */
        public Builder skipSpecialTokens(Boolean v) {
            skipSpecialTokens = v;
            return this;
        }

        /** See {@link InternVLChatOptions#getVideoFrames()}. */
        public Builder videoFrames(Integer v) {
            videoFrames = v;
            return this;
        }

        /** See {@link InternVLChatOptions#getVideoStart()}. */
        public Builder videoStart(Double v) {
            videoStart = v;
            return this;
        }

        /** See {@link InternVLChatOptions#getVideoEnd()}. */
        public Builder videoEnd(Double v) {
            videoEnd = v;
            return this;
        }

        public Builder maxTiles(Integer v) {
            maxTiles = v;
            return this;
        }

        public Builder thumbnail(Boolean v) {
            thumbnail = v;
            return this;
        }

        public Builder seed(Long v) {
            seed = v;
            return this;
        }

        public Builder repetitionPenalty(Double v) {
            repetitionPenalty = v;
            return this;
        }

        /** See {@link InternVLChatOptions#getSpecialTokensInText()}. */
        public Builder specialTokensInText(SpecialTokensInText v) {
            specialTokensInText = v;
            return this;
        }

        @Override
        public Builder combineWith(ChatOptions.Builder<?> other) {
            super.combineWith(other);
            if (other instanceof Builder that) {
                maxTiles = that.maxTiles != null ? that.maxTiles : maxTiles;
                thumbnail = that.thumbnail != null ? that.thumbnail : thumbnail;
                seed = that.seed != null ? that.seed : seed;
                repetitionPenalty = that.repetitionPenalty != null ? that.repetitionPenalty : repetitionPenalty;
                specialTokensInText = that.specialTokensInText != null ? that.specialTokensInText : specialTokensInText;
                videoFrames = that.videoFrames != null ? that.videoFrames : videoFrames;
                videoStart = that.videoStart != null ? that.videoStart : videoStart;
                videoEnd = that.videoEnd != null ? that.videoEnd : videoEnd;
                skipSpecialTokens = that.skipSpecialTokens != null ? that.skipSpecialTokens : skipSpecialTokens;
            }
            return this;
        }

        @Override
        public InternVLChatOptions build() {
            // The portable fields are the protected ones of DefaultChatOptionsBuilder.
            return new InternVLChatOptions(model, temperature, topP, topK, maxTokens, stopSequences,
                    frequencyPenalty, presencePenalty, maxTiles, thumbnail, seed, repetitionPenalty,
                    specialTokensInText, videoFrames, videoStart, videoEnd, skipSpecialTokens);
        }
    }
}
