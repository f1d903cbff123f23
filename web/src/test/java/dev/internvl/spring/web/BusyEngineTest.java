package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.dataUrl;
import static dev.internvl.spring.web.Fixture.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.google.gson.JsonObject;
import dev.internvl.BatchingOptions;
import dev.internvl.EngineOptions;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.grounding.VisionTaskOptions;
import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.spring.ai.InternVLChatOptions;
import dev.internvl.testing.EngineHold;
import dev.internvl.testing.TinyModel;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/**
 * Every endpoint on an engine whose batch (one request) is taken and whose queue holds none: a 503 with
 * {@code Retry-After: 1}, streamed requests included, and answers again once the engine is free.
 */
class BusyEngineTest {

    @TempDir
    static Path dir;

    static InternVL engine;
    static MockMvc mvc;

    /** Set to end the request that keeps the engine busy. */
    EngineHold hold;

    @BeforeAll
    static void load() {
        engine = InternVL.load(TinyModel.write(dir.resolve(Fixture.MODEL)), EngineOptions.defaults()
                .withBatching(new BatchingOptions(1, 0, 256, 1, 6)));
        ApiSettings settings = ApiSettings.builder().build();
        VisionService vision = VisionService.of(engine, VisionTaskOptions.defaults()
                .withGeneration(GenerationOptions.builder().maxNewTokens(Fixture.MAX_TOKENS).build()));
        InternVLChatModel chatModel = InternVLChatModel.builder(engine)
                .defaultOptions(InternVLChatOptions.builder().maxTokens(Fixture.MAX_TOKENS).build()).build();
        mvc = Fixture.mvc(settings, new ChatCompletionsController(chatModel, settings),
                new GroundingController(vision, Fixture.MODEL, settings), new OcrController(vision, Fixture.MODEL,
                        settings));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /** A long generation holds the only place in the batch during each test. */
    @BeforeEach
    void occupyTheEngine() throws InterruptedException {
        hold = EngineHold.start(engine);
        assertThat(engine.stats().running()).isEqualTo(1);
    }

    @AfterEach
    void freeTheEngine() throws Exception {
        hold.close();
    }

    MvcResult postJson(String path, String body) throws Exception {
        return mvc.perform(post(path).contentType(MediaType.APPLICATION_JSON).content(body)).andReturn();
    }

    static String chat(String extra) {
        return "{\"model\":\"tiny-internvl\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"Describe the image.\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\""
                + dataUrl(png(64, 48, 1)) + "\"}}]}]" + extra + "}";
    }

    /** A 503 in OpenAI's shape, with {@code Retry-After: 1} and the engine's load in the message. */
    static void assertBusy(MvcResult r) {
        JsonObject error = assertError(r, 503,
                "The engine is busy: 1 requests are running or waiting, as many as it holds (1 running and 0 waiting)");
        assertThat(error.get("code").getAsString()).isEqualTo("server_busy");
        assertThat(error.get("param").isJsonNull()).isTrue();
        assertThat(r.getResponse().getHeader("Retry-After")).isEqualTo("1");
    }

    @Test
    void aChatCompletionIs503WithRetryAfter() throws Exception {
        assertBusy(postJson("/v1/chat/completions", chat("")));
    }

    @Test
    void aStreamedChatCompletionIsAPlain503NotAStream() throws Exception {
        // the engine refuses before the first token, so the refusal is the response, not an event of a stream
        MvcResult r = postJson("/v1/chat/completions", chat(",\"stream\":true"));
        assertBusy(r);
        assertThat(Fixture.text(r)).doesNotContain("data:");
    }

    @Test
    void groundingAndOcrAre503WithRetryAfter() throws Exception {
        String image = Base64.getEncoder().encodeToString(png(64, 48, 2));
        assertBusy(postJson("/v1/grounding", "{\"image\":\"" + image + "\",\"phrase\":\"the red square\"}"));
        assertBusy(postJson("/v1/ocr", "{\"image\":\"" + image + "\"}"));
    }

    @Test
    void theRefusalComesBeforeAnyImageIsDecoded() throws Exception {
        // a PNG whose header is whole and whose pixels are cut off: decoding it would be a 400 invalid_image
        byte[] whole = png(64, 48, 3);
        byte[] cut = java.util.Arrays.copyOf(whole, 60);
        String url = dataUrl(cut);
        assertBusy(postJson("/v1/chat/completions", chat("").replace(dataUrl(png(64, 48, 1)), url)));
        assertBusy(postJson("/v1/grounding", "{\"image\":\"" + url + "\",\"phrase\":\"the red square\"}"));
        assertBusy(postJson("/v1/ocr", "{\"image\":\"" + url + "\"}"));
        freeTheEngine();
        // with room, the same image is refused for what it is
        MvcResult r = postJson("/v1/ocr", "{\"image\":\"" + url + "\"}");
        assertThat(assertError(r, 400, "").get("code").getAsString()).isEqualTo("invalid_image");
    }

    @Test
    void theEngineAnswersAgainOnceFree() throws Exception {
        assertBusy(postJson("/v1/chat/completions", chat("")));
        freeTheEngine();
        MvcResult r = postJson("/v1/chat/completions", chat(""));
        assertThat(r.getResponse().getStatus()).as(Fixture.text(r)).isEqualTo(200);
        MvcResult s = postJson("/v1/chat/completions", chat(",\"stream\":true"));
        assertThat(s.getResponse().getStatus()).as(Fixture.text(s)).isEqualTo(200);
        assertThat(Fixture.text(s)).endsWith("data: [DONE]\n\n");
    }
}
