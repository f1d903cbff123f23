package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.google.gson.JsonObject;
import dev.internvl.ChatListener;
import dev.internvl.InvalidRequestException;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.ImageDecodeException;
import dev.internvl.image.RgbImage;
import dev.internvl.testing.CapturedLog;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/**
 * Which failures are the client's (400, logged as one WARN line without a stack trace), which are capacity (503 with
 * {@code Retry-After}, one WARN line) and which are the server's (500 naming an error id, one ERROR line with the
 * stack trace), with failures thrown where the engine would throw them.
 */
class ErrorMappingTest {

    static final ApiSettings SETTINGS = ApiSettings.builder().build();

    static final Pattern ERROR_ID = Pattern.compile("\\(error id ([0-9a-f-]{36})\\)");

    /** A vision service whose grounding fails with what {@code failure} gives. */
    static VisionService failing(Supplier<RuntimeException> failure) {
        return new VisionService() {
            @Override
            public GroundingResult ground(RgbImage image, String phrase, boolean all, Integer maxTiles,
                    ChatListener listener) {
                throw failure.get();
            }

            @Override
            public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles,
                    ChatListener listener) {
                throw failure.get();
            }
        };
    }

    /** Grounding on a service failing with {@code failure}, its log captured. */
    static Answer ground(Supplier<RuntimeException> failure) throws Exception {
        MockMvc mvc = Fixture.mvc(SETTINGS, failing(failure));
        String body = "{\"image\":\"" + Base64.getEncoder().encodeToString(png(32, 24, 1))
                + "\",\"phrase\":\"the red square\"}";
        try (CapturedLog log = CapturedLog.start()) {
            MvcResult r = mvc.perform(post("/v1/grounding").contentType(MediaType.APPLICATION_JSON).content(body))
                    .andReturn();
            return new Answer(r, log.lines());
        }
    }

    record Answer(MvcResult result, List<String> log) {
        List<String> at(String level) {
            return log.stream().filter(l -> l.contains("] " + level + " ")).toList();
        }

        List<String> stackFrames() {
            return log.stream().filter(l -> l.startsWith("\tat ")).toList();
        }
    }

    /** A 500 that names only an error id, logged once at ERROR with that id and the stack trace. */
    static void assertServerFault(Answer a, String secret) {
        JsonObject e = assertError(a.result(), 500, "The server failed to process the request (error id ");
        String message = e.get("message").getAsString();
        Matcher id = ERROR_ID.matcher(message);
        assertThat(id.find()).as(message).isTrue();
        assertThat(Fixture.text(a.result())).doesNotContain(secret).doesNotContain("Exception");
        assertThat(e.get("code").getAsString()).isEqualTo("internal_error");
        assertThat(a.at("ERROR")).as(String.join("\n", a.log())).hasSize(1)
                .allSatisfy(l -> assertThat(l).contains("error id " + id.group(1)));
        assertThat(String.join("\n", a.log())).contains(secret);
        assertThat(a.stackFrames()).as("the stack trace is logged").isNotEmpty();
        assertThat(a.at("WARN")).isEmpty();
    }

    @Test
    void anEngineIllegalArgumentExceptionIsA500WithAnErrorId() throws Exception {
        // an invariant of the engine, not something the client sent
        assertServerFault(ground(() -> new IllegalArgumentException("the prompt has 0 <IMG_CONTEXT> positions but "
                + "1 tiles give 256")), "IMG_CONTEXT");
    }

    @Test
    void anEngineIllegalStateExceptionIsA500WithAnErrorId() throws Exception {
        assertServerFault(ground(() -> new IllegalStateException("decoder cache of /secret/ckpt is inconsistent")),
                "/secret/ckpt");
    }

    @Test
    void anInvalidRequestExceptionIsA400WithItsMessageCodeAndParam() throws Exception {
        Answer a = ground(() -> new InvalidRequestException("the phrase asks for more than the model can say",
                "phrase_too_long", "phrase", null));
        JsonObject e = assertError(a.result(), 400, "the phrase asks for more than the model can say");
        assertThat(e.get("code").getAsString()).isEqualTo("phrase_too_long");
        assertThat(e.get("param").getAsString()).isEqualTo("phrase");
        assertClientError(a, "400 phrase_too_long (phrase): the phrase asks for more than the model can say");
    }

    /** A client error: one WARN line saying what was refused, nothing at ERROR, no stack trace. */
    static void assertClientError(Answer a, String fragment) {
        assertThat(a.at("WARN")).as(String.join("\n", a.log())).hasSize(1)
                .allSatisfy(l -> assertThat(l).contains(fragment).doesNotContain("Exception"));
        assertThat(a.at("ERROR")).isEmpty();
        assertThat(a.stackFrames()).isEmpty();
    }

    @Test
    void anInvalidRequestExceptionWrappedByTheServerIsStillA400() throws Exception {
        Answer a = ground(() -> new IllegalStateException("tool failed",
                new InvalidRequestException("box coordinates must be finite numbers, got NaN")));
        JsonObject e = assertError(a.result(), 400, "box coordinates must be finite numbers, got NaN");
        assertThat(e.get("code").getAsString()).isEqualTo("invalid_request"); // no parameter named, no code given
        assertClientError(a, "400 invalid_request: box coordinates must be finite numbers");
    }

    @Test
    void anOutOfMemoryErrorWrappedInAnIllegalArgumentExceptionIs503WithRetryAfter() throws Exception {
        // an image reader turns the heap running out into a read error, which the caller wraps again
        Answer a = ground(() -> new IllegalArgumentException("cannot decode JPEG image: Java heap space",
                new IIOException("Unsupported Image Type", new OutOfMemoryError("Java heap space"))));
        assertHeapExhausted(a);
    }

    @Test
    void anOutOfMemoryErrorInsideAnImageDecodeExceptionIsNotTheImagesFault() throws Exception {
        // ImageDecoder wraps what the reader throws into an ImageDecodeException, an InvalidRequestException
        Answer a = ground(() -> new ImageDecodeException("image: cannot decode JPEG image: Java heap space",
                new IIOException("read failed", new OutOfMemoryError("Java heap space"))));
        assertHeapExhausted(a);
    }

    static void assertHeapExhausted(Answer a) {
        JsonObject e = assertError(a.result(), 503, "try again later");
        assertThat(e.get("code").getAsString()).isEqualTo("server_busy");
        assertThat(a.result().getResponse().getHeader("Retry-After")).isEqualTo("1");
        assertThat(Fixture.text(a.result())).doesNotContain("heap space");
        assertThat(a.at("WARN")).as(String.join("\n", a.log())).hasSize(1)
                .allSatisfy(l -> assertThat(l).contains("OutOfMemoryError: Java heap space"));
        assertThat(a.at("ERROR")).isEmpty();
        assertThat(a.stackFrames()).as("no stack trace").isEmpty();
    }

    // --- images that do not decode on the chat path -----------------------------------------------------------

    static byte[] jpeg(int w, int h) throws IOException {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | ((x ^ y) * 7) & 0xff);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, "jpg", out)).isTrue();
        return out.toByteArray();
    }

    static String chat(byte[] image, boolean stream) {
        return "{\"model\":\"tiny-internvl\",\"stream\":" + stream + ",\"max_tokens\":2,\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Describe the image.\"},{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:image/jpeg;base64," + Base64.getEncoder().encodeToString(image)
                + "\"}}]}]}";
    }

    @Test
    void aTruncatedJpegOnTheChatPathIs400InvalidImageWithoutAStackTrace() throws Exception {
        byte[] full = jpeg(64, 48);
        byte[] truncated = Arrays.copyOf(full, full.length * 3 / 5); // the header is whole, the scan is not
        MockMvc mvc = Fixture.mvc(SETTINGS);
        for (boolean stream : new boolean[] {false, true}) {
            try (CapturedLog log = CapturedLog.start()) {
                MvcResult r = mvc.perform(post("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                        .content(chat(truncated, stream))).andReturn();
                JsonObject e = assertError(r, 400, "cannot decode JPEG image");
                assertThat(e.get("code").isJsonNull()).as("code of " + Fixture.text(r)).isFalse();
                assertThat(e.get("code").getAsString()).isEqualTo("invalid_image");
                assertClientError(new Answer(r, log.lines()), "400 invalid_image");
            }
        }
    }

    // --- the classification itself --------------------------------------------------------------------------

    @Test
    void resolveClassifiesByTheCauses() {
        assertThat(ApiErrors.resolve(new InvalidRequestException("bad", "c", "p", null)).status()).isEqualTo(400);
        assertThat(ApiErrors.resolve(new RuntimeException(new InvalidRequestException("bad"))).status())
                .isEqualTo(400);
        assertThat(ApiErrors.resolve(new OutOfMemoryError("Java heap space")).status()).isEqualTo(503);
        assertThat(ApiErrors.resolve(new jakarta.servlet.ServletException("Handler dispatch failed",
                new OutOfMemoryError("Java heap space"))).status()).isEqualTo(503);
        assertThat(ApiErrors.resolve(new RequestTooLargeException(10)).status()).isEqualTo(413);
        // an engine that has given up: capacity gone, a 503 that names no internals
        ApiException failed = ApiErrors.resolve(new dev.internvl.generate.EngineFailedException(
                "the engine failed and takes no more requests: IllegalStateException: cache of /secret/x",
                new IllegalStateException("cache of /secret/x")));
        assertThat(failed.status()).isEqualTo(503);
        assertThat(failed.getMessage()).doesNotContain("/secret").contains("has failed");
        // plain IllegalArgumentExceptions are the engine's, not the client's
        assertThat(ApiErrors.resolve(new IllegalArgumentException("maxPixels must be positive, got 0")).status())
                .isEqualTo(500);
    }
}
