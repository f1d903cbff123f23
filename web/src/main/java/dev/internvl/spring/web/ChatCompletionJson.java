package dev.internvl.spring.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.springframework.ai.chat.metadata.Usage;

/**
 * The JSON of OpenAI's chat completions, chunks and models. Nulls are written (the OpenAI clients expect
 * {@code "finish_reason": null} and the like) whatever the application's Jackson settings; only the fields OpenAI
 * leaves out are left out.
 */
final class ChatCompletionJson {

    private ChatCompletionJson() {
    }

    /**
     * A completion ({@code chat.completion}) or a chunk of one ({@code chat.completion.chunk}); {@code choices} of
     * {@link Choice} or {@link ChunkChoice}; a chunk's {@code usage} only in the last one, when asked for.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Completion(String id, String object, long created, String model,
            @JsonProperty("system_fingerprint") String systemFingerprint, List<?> choices,
            @JsonInclude(JsonInclude.Include.NON_NULL) Tokens usage) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Choice(int index, AnswerMessage message, Object logprobs,
            @JsonProperty("finish_reason") String finishReason) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record AnswerMessage(String role, String content, String refusal) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record ChunkChoice(int index, Delta delta, Object logprobs,
            @JsonProperty("finish_reason") String finishReason) {
    }

    /** What a chunk adds: the role first, then text; nothing in the last. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(String role, String content) {
    }

    record Tokens(@JsonProperty("prompt_tokens") int promptTokens,
            @JsonProperty("completion_tokens") int completionTokens,
            @JsonProperty("total_tokens") int totalTokens) {

        /** Spring AI's usage; none (a cut answer) is 0 tokens. */
        static Tokens of(Usage usage) {
            int prompt = usage == null || usage.getPromptTokens() == null ? 0 : usage.getPromptTokens();
            int completion = usage == null || usage.getCompletionTokens() == null ? 0 : usage.getCompletionTokens();
            return new Tokens(prompt, completion, prompt + completion);
        }
    }

    record ModelList(String object, List<Model> data) {
    }

    record Model(String id, String object, long created, @JsonProperty("owned_by") String ownedBy) {
    }
}
