package dev.internvl.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.internvl.testing.TinyModel;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A second real client, written by others, against the running sample app: LangChain4j's OpenAI chat model (its own
 * HTTP client and JSON), with the base URL ending in {@code /v1} and the client's own model name served as an alias
 * ({@code served-model-names}): a call, a stream, an image, and its typed exceptions for a corrupt image and an
 * unknown model.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LangChain4jClientTest {

    /** A model name a LangChain4j user would leave in place; the server answers to it. */
    static final String ALIAS = "gpt-4o-mini";

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("spring.ai.internvl.model.path", () -> TinyCheckpoint.path().toString());
        registry.add("spring.ai.internvl.max-tiles", () -> "1");
        registry.add("spring.ai.internvl.chat.options.max-tokens", () -> "8");
        registry.add("spring.ai.internvl.web.served-model-names", () -> ALIAS + ",tiny-internvl");
    }

    @LocalServerPort
    int port;

    String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    OpenAiChatModel chat(String model) {
        return OpenAiChatModel.builder().baseUrl(baseUrl()).apiKey("not-needed").modelName(model).maxTokens(8)
                .maxRetries(0).timeout(Duration.ofMinutes(1)).build();
    }

    static UserMessage withImage(byte[] png) {
        return UserMessage.from(TextContent.from("Describe the image."),
                ImageContent.from(Base64.getEncoder().encodeToString(png), "image/png"));
    }

    @Test
    void aCallWithAnImageIsAnsweredUnderTheServedName() {
        ChatResponse r = chat(ALIAS).chat(ChatRequest.builder().messages(withImage(TinyModel.png(64, 48, 1))).build());
        assertThat(r.aiMessage().text()).isNotEmpty();
        assertThat(r.modelName()).isEqualTo(ALIAS);
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH); // random weights never stop before 8 tokens
        assertThat(r.tokenUsage().outputTokenCount()).isEqualTo(8);
        // an image makes a prompt of hundreds of tokens (one tile of image tokens), text alone a few dozen
        assertThat(r.tokenUsage().inputTokenCount()).isGreaterThan(chat(ALIAS).chat(ChatRequest.builder()
                .messages(UserMessage.from("Describe the image.")).build()).tokenUsage().inputTokenCount());
    }

    @Test
    void aStreamGivesTheSameAnswerAsTheCall() throws Exception {
        ChatRequest request = ChatRequest.builder().messages(withImage(TinyModel.png(64, 48, 2))).build();
        String called = chat("tiny-internvl").chat(request).aiMessage().text();
        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(baseUrl())
                .apiKey("not-needed").modelName(ALIAS).maxTokens(8).timeout(Duration.ofMinutes(1)).build();
        StringBuilder parts = new StringBuilder();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat(request, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                parts.append(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse last = done.get(1, TimeUnit.MINUTES);
        assertThat(parts.toString()).isEqualTo(called); // greedy: the same tokens either way
        assertThat(last.aiMessage().text()).isEqualTo(called);
        assertThat(last.finishReason()).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void aCorruptImageAndAnUnknownModelAreTypedClientErrors() {
        byte[] cut = Arrays.copyOf(TinyModel.png(64, 48, 3), 60);
        assertThatThrownBy(() -> chat(ALIAS).chat(ChatRequest.builder().messages(withImage(cut)).build()))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("invalid_image");
        assertThatThrownBy(() -> chat("gpt-4.1").chat("Hello"))
                .isInstanceOf(ModelNotFoundException.class).hasMessageContaining("model_not_found")
                .hasMessageContaining(ALIAS);
    }
}
