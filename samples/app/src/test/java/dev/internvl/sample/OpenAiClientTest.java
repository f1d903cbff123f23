package dev.internvl.sample;

import dev.internvl.testing.TinyModel;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.video.testing.TestVideos;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The running sample app on a tiny random checkpoint, over loopback: the official OpenAI client (npm package
 * {@code openai}) for models, completions and streams with an image and typed errors, grounding and OCR through the
 * real server, and request body limits on bodies that do not declare their length.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenAiClientTest {

    @TempDir
    static Path tmp;

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("spring.ai.internvl.model.path", () -> TinyCheckpoint.path().toString());
        registry.add("spring.ai.internvl.max-tiles", () -> "1");
        registry.add("spring.ai.internvl.chat.options.max-tokens", () -> "8");
        registry.add("spring.ai.internvl.web.vision-max-tokens", () -> "8");
        registry.add("spring.ai.internvl.web.max-request-size", () -> "256KB");
    }

    /** Collects the chat model observations that have ended. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Observations {
        static final BlockingQueue<ChatModelObservationContext> STOPPED = new LinkedBlockingQueue<>();

        @Bean
        ObservationRegistry observationRegistry() {
            ObservationRegistry registry = ObservationRegistry.create();
            registry.observationConfig().observationHandler(new ObservationHandler<ChatModelObservationContext>() {
                @Override
                public boolean supportsContext(Observation.Context context) {
                    return context instanceof ChatModelObservationContext;
                }

                @Override
                public void onStop(ChatModelObservationContext context) {
                    STOPPED.add(context);
                }
            });
            return registry;
        }
    }

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void theOfficialOpenAiClientWorksWithTheEndpoints() throws Exception {
        Node.requirePackages();
        Path image = Files.write(tmp.resolve("picture.png"), TinyModel.png(64, 48, 5));
        Path video = TestVideos.h264(tmp, 96, 64, 10, 2.0);
        Node.Result r = Node.node("openai-client.mjs", Map.of("BASE_URL", "http://127.0.0.1:" + port + "/v1",
                "MODEL", "tiny-internvl", "IMAGE", image.toAbsolutePath().toString(), "VIDEO",
                video.toAbsolutePath().toString()), Duration.ofMinutes(3));
        assertThat(r.exitCode()).as(r.output()).isZero();
        List<String> lines = r.output().strip().lines().toList();
        JsonObject summary = JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
        assertThat(summary.get("streamed").getAsString()).isEqualTo(summary.get("answer").getAsString());
        assertThat(summary.getAsJsonObject("usage").get("completion_tokens").getAsInt()).isEqualTo(6);
        assertThat(summary.getAsJsonObject("grounding").get("width").getAsInt()).isEqualTo(64);
        // the video's 8 (and 4) frames reached the model, one tile of 256 image tokens each, with their FrameN: text
        JsonObject tokens = summary.getAsJsonObject("video");
        int eight = tokens.get("eightFrames").getAsInt() - tokens.get("textOnly").getAsInt();
        int four = tokens.get("fourFrames").getAsInt() - tokens.get("textOnly").getAsInt();
        assertThat(eight).isBetween(8 * 258, 8 * 258 + 8 * 6).isEqualTo(2 * four);
        // the stream the client aborted after 3 chunks: the engine stopped long before its 5000 tokens
        List<ChatModelObservationContext> cancelled = new ArrayList<>();
        for (ChatModelObservationContext c; (c = Observations.STOPPED.poll(0, TimeUnit.SECONDS)) != null; ) {
            if (c.getResponse() != null
                    && "CANCELLED".equals(c.getResponse().getResult().getMetadata().getFinishReason())) {
                cancelled.add(c);
            }
        }
        assertThat(cancelled).hasSize(1);
        assertThat(cancelled.get(0).getResponse().getMetadata().getUsage().getCompletionTokens()).isLessThan(100);
    }

    HttpResponse<String> postChunked(String path, String contentType, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", contentType)
                // a stream publisher announces no length: the body goes chunked
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Test
    void chunkedBodiesOverTheLimitAre413() throws Exception {
        byte[] json = ("{\"image\":\"" + "A".repeat(300 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = postChunked("/v1/ocr", "application/json", json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
        assertThat(r.body()).contains("\"code\":\"request_too_large\"").contains("larger than 262144 bytes");

        String boundary = "xyzzy";
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] multipart = new byte[head.length + 300 * 1024];
        System.arraycopy(head, 0, multipart, 0, head.length);
        r = postChunked("/v1/ocr", "multipart/form-data; boundary=" + boundary, multipart);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
    }

    @Test
    void chunkedBodiesWithinTheLimitAreServed() throws Exception {
        String image = java.util.Base64.getEncoder().encodeToString(TinyModel.png(32, 24, 1));
        HttpResponse<String> r = postChunked("/v1/ocr", "application/json", ("{\"image\":\"" + image + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("image").get("width")
                .getAsInt()).isEqualTo(32);
    }

    @Test
    void errorsOfOtherPathsAndMethodsHaveNoStackTrace() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/ocr"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.body()).doesNotContain("at org.springframework").doesNotContain("Exception");
    }
}
