package dev.internvl.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.testing.SampleAppProcess;
import dev.internvl.testing.TinyModel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.api.OpenAiApi;
import org.springframework.ai.retry.NonTransientAiException;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.retry.support.RetryTemplate;
import org.springframework.util.MimeTypeUtils;

/**
 * A third real client, written by others, against the running sample app started from its jar: Spring AI's own
 * {@code OpenAiChatModel} (the 1.1 line, on Spring's RestClient and WebClient), with the client's default model name
 * served as an alias ({@code served-model-names}): a call, a stream, an image, and the typed exceptions Spring AI
 * throws for a corrupt image and an unknown model.
 */
class SpringAiOpenAiClientTest {

    /** A model name a Spring AI user would leave in place; the server answers to it. */
    static final String ALIAS = "gpt-4o-mini";

    @TempDir
    static Path tmp;

    static SampleAppProcess app;

    @BeforeAll
    static void startTheApp() throws Exception {
        app = SampleAppProcess.startOnTinyModel(tmp, null, List.of("--spring.ai.internvl.chat.options.max-tokens=8",
                "--spring.ai.internvl.web.served-model-names=" + ALIAS + ",tiny-internvl"));
    }

    @AfterAll
    static void stopTheApp() throws InterruptedException {
        if (app != null) {
            app.close();
        }
    }

    static String baseUrl() {
        return app.baseUrl();
    }

    /** Spring AI's OpenAI chat model as a user sets it up: the server's root URL, any key, the client's model name. */
    static OpenAiChatModel chat(String model) {
        OpenAiApi api = OpenAiApi.builder().baseUrl(baseUrl()).apiKey("not-needed").build();
        return OpenAiChatModel.builder().openAiApi(api)
                .defaultOptions(OpenAiChatOptions.builder().model(model).maxTokens(8).build())
                .retryTemplate(RetryTemplate.builder().maxAttempts(1).build()).build();
    }

    static Prompt withImage(byte[] image) {
        return new Prompt(UserMessage.builder().text("Describe the image.")
                .media(new Media(MimeTypeUtils.IMAGE_PNG, new ByteArrayResource(image))).build());
    }

    @Test
    void aCallUnderTheClientsDefaultModelNameIsAnswered() {
        ChatResponse r = chat(ALIAS).call(new Prompt("Hello"));
        assertNotNull(r.getResult().getOutput().getText());
        assertEquals(ALIAS, r.getMetadata().getModel());
        assertTrue(r.getMetadata().getUsage().getPromptTokens() > 0);
        assertTrue(r.getMetadata().getUsage().getCompletionTokens() >= 1);
        assertFalse(r.getResult().getMetadata().getFinishReason().isBlank());
    }

    @Test
    void aStreamAddsUpToTheSameAnswerAsTheCall() {
        String called = chat(ALIAS).call(new Prompt("Tell me about the sea.")).getResult().getOutput().getText();
        List<ChatResponse> chunks = chat(ALIAS).stream(new Prompt("Tell me about the sea.")).collectList()
                .block(Duration.ofMinutes(1));
        assertNotNull(chunks);
        assertTrue(chunks.size() > 1, "one chunk per token, got " + chunks.size());
        String streamed = chunks.stream().filter(c -> c.getResult() != null)
                .map(c -> c.getResult().getOutput().getText()).filter(t -> t != null).collect(Collectors.joining());
        assertEquals(called, streamed);
    }

    @Test
    void anImageIsSeen() {
        ChatResponse text = chat(ALIAS).call(new Prompt("Describe the image."));
        ChatResponse image = chat(ALIAS).call(withImage(TinyModel.png(320, 240, 1)));
        // one 448-pixel tile is 256 image tokens, plus the <img></img> markers
        assertTrue(image.getMetadata().getUsage().getPromptTokens()
                >= text.getMetadata().getUsage().getPromptTokens() + 256, image.getMetadata().getUsage().toString());
    }

    @Test
    void aCorruptImageIsATypedClientError() {
        byte[] png = TinyModel.png(320, 240, 2);
        byte[] truncated = Arrays.copyOf(png, png.length / 2);
        NonTransientAiException e = assertThrows(NonTransientAiException.class,
                () -> chat(ALIAS).call(withImage(truncated)));
        assertTrue(e.getMessage().contains("400"), e.getMessage());
        assertTrue(e.getMessage().contains("\"code\":\"invalid_image\""), e.getMessage());
    }

    @Test
    void anUnknownModelIsATypedClientErrorNamingTheServedOnes() {
        NonTransientAiException e = assertThrows(NonTransientAiException.class,
                () -> chat("gpt-5").call(new Prompt("Hello")));
        assertTrue(e.getMessage().contains("404"), e.getMessage());
        assertTrue(e.getMessage().contains("model_not_found"), e.getMessage());
        assertTrue(e.getMessage().contains(ALIAS), e.getMessage());
    }
}
