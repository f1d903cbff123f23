package dev.internvl.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.ChatListener;
import dev.internvl.grounding.GroundingParser;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.spring.ai.InternVLChatOptions;
import dev.internvl.testing.CapturedLog;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.observation.ChatModelObservationContext;

/**
 * Clients that go away and requests that run out of time, on a real connection: a non-streamed chat completion,
 * grounding and OCR stop generating when their client has left (noticed by {@link ClientWatch}'s probes), with one
 * INFO line and no stack trace; the time limit gives a 503 before the first token and a cut answer after it.
 */
class ClientGoneTest {

    static final ApiSettings SETTINGS = ApiSettings.builder().build();

    /**
     * A model stand-in for grounding and OCR that "generates" one piece of text every 10 ms for up to 30 s (or, when
     * silent, generates nothing, as a request waiting in the engine's queue), until its listener says cancelled.
     */
    static class Slow implements VisionService {
        final boolean speaks;
        final AtomicInteger calls = new AtomicInteger();
        final BlockingQueue<Long> cancelledAt = new LinkedBlockingQueue<>();

        Slow(boolean speaks) {
            this.speaks = speaks;
        }

        @Override
        public GroundingResult ground(RgbImage image, String phrase, boolean all, Integer maxTiles,
                ChatListener listener) {
            run(listener);
            return GroundingParser.parse("<ref>" + phrase + "</ref><box>[[100, 100, 500, 500]]</box>", image.width(),
                    image.height());
        }

        @Override
        public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles, ChatListener listener) {
            run(listener);
            return OcrResult.of("read so far");
        }

        private void run(ChatListener listener) {
            calls.incrementAndGet();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < end) {
                if (listener.cancelled()) {
                    cancelledAt.add(System.nanoTime());
                    return;
                }
                if (speaks) {
                    listener.onText("x");
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** What the server logs while {@code body} runs. */
    static String logOf(ThrowingRunnable body) throws Exception {
        try (CapturedLog log = CapturedLog.start()) {
            body.run();
            return log.text();
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Sends {@code json} to {@code path}, waits for the first byte of the answer, then closes the connection. */
    static long dropAfterFirstByte(int port, String path, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            assertThat(in.read()).as("the first byte of the status line").isEqualTo('H');
        }
        return System.nanoTime();
    }

    static String imageJson(String extra) {
        return "{\"image\":\"" + Fixture.dataUrl(Fixture.png(64, 48, 1)) + "\"" + extra + "}";
    }

    static HttpResponse<String> post(int port, String path, String json) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json))
                .timeout(Duration.ofMinutes(1)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void assertOneInfoLineAndNoTrace(String log, String fragment) {
        List<String> lines = log.lines().filter(l -> l.contains("went away")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("INFO").contains(fragment);
        assertThat(log).doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void groundingStopsWhenItsClientGoesAwayAndAsksNoFurtherPhrase() throws Exception {
        Slow slow = new Slow(true);
        try (LoopbackServer server = LoopbackServer.start(SETTINGS, new GroundingController(slow, Fixture.MODEL,
                SETTINGS))) {
            long[] closed = new long[1];
            String log = logOf(() -> {
                closed[0] = dropAfterFirstByte(server.port(), ApiPaths.GROUNDING,
                        imageJson(",\"phrase\":[\"one\",\"two\",\"three\"]"));
                Long stopped = slow.cancelledAt.poll(10, TimeUnit.SECONDS);
                assertThat(stopped).as("the generation was cancelled").isNotNull();
                // measured: about 0.2-0.4 s (one or two probes 200 ms apart); bound with room for a loaded machine
                assertThat((stopped - closed[0]) / 1e9).isLessThan(2.0);
                Thread.sleep(300); // the controller's log line comes right after
            });
            assertThat(slow.calls.get()).as("phrases asked").isEqualTo(1);
            assertOneInfoLineAndNoTrace(log, ApiPaths.GROUNDING);
        }
    }

    @Test
    void ocrStopsWhenItsClientGoesAway() throws Exception {
        Slow slow = new Slow(true);
        try (LoopbackServer server = LoopbackServer.start(SETTINGS, new OcrController(slow, Fixture.MODEL,
                SETTINGS))) {
            String log = logOf(() -> {
                long closed = dropAfterFirstByte(server.port(), ApiPaths.OCR, imageJson(""));
                Long stopped = slow.cancelledAt.poll(10, TimeUnit.SECONDS);
                assertThat(stopped).as("the generation was cancelled").isNotNull();
                assertThat((stopped - closed) / 1e9).isLessThan(2.0);
                Thread.sleep(300);
            });
            assertOneInfoLineAndNoTrace(log, ApiPaths.OCR);
        }
    }

    @Test
    void aChatCompletionWithoutStreamStopsWhenItsClientGoesAway() throws Exception {
        BlockingQueue<ChatModelObservationContext> stopped = new LinkedBlockingQueue<>();
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<ChatModelObservationContext>() {
            @Override
            public boolean supportsContext(Observation.Context context) {
                return context instanceof ChatModelObservationContext;
            }

            @Override
            public void onStop(ChatModelObservationContext context) {
                stopped.add(context);
            }
        });
        InternVLChatModel chat = InternVLChatModel.builder(Fixture.engine()).observationRegistry(registry)
                .defaultOptions(InternVLChatOptions.builder().maxTokens(4000).build()).build();
        try (LoopbackServer server = LoopbackServer.start(SETTINGS, new ChatCompletionsController(chat,
                SETTINGS))) {
            String log = logOf(() -> {
                long closed = dropAfterFirstByte(server.port(), ApiPaths.CHAT_COMPLETIONS,
                        "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell a very long story.\"}]}");
                ChatModelObservationContext c = stopped.poll(30, TimeUnit.SECONDS);
                assertThat(c).as("the generation ended").isNotNull();
                double afterClose = (System.nanoTime() - closed) / 1e9;
                var result = c.getResponse().getResult();
                assertThat(result.getMetadata().getFinishReason()).isEqualTo("CANCELLED");
                // the random weights never stop on their own: 4000 tokens take far longer than this test allows
                assertThat(c.getResponse().getMetadata().getUsage().getCompletionTokens()).isLessThan(4000);
                assertThat(afterClose).isLessThan(3.0);
                Thread.sleep(300);
            });
            assertOneInfoLineAndNoTrace(log, "Chat completion");
        }
    }

    @Test
    void aRequestWithoutATokenWithinTheTimeLimitIsA503AndLeavesTheEngine() throws Exception {
        ApiSettings settings = ApiSettings.builder().maxRequestTime(Duration.ofSeconds(1)).build();
        Slow waiting = new Slow(false);
        try (LoopbackServer server = LoopbackServer.start(settings, new OcrController(waiting, Fixture.MODEL,
                settings))) {
            long start = System.nanoTime();
            HttpResponse<String> r = post(server.port(), ApiPaths.OCR, imageJson(""));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            JsonObject error = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
            assertThat(error.get("code").getAsString()).isEqualTo("timeout");
            assertThat(waiting.cancelledAt).as("the engine was told to drop it").hasSize(1);
            assertThat(seconds).isBetween(0.9, 3.0);
        }
    }

    @Test
    void theTimeLimitCutsAGroundingAnswerUnderWayAndSkipsTheRemainingPhrases() throws Exception {
        ApiSettings settings = ApiSettings.builder().maxRequestTime(Duration.ofSeconds(1)).build();
        Slow slow = new Slow(true);
        try (LoopbackServer server = LoopbackServer.start(settings, new GroundingController(slow, Fixture.MODEL,
                settings))) {
            HttpResponse<String> r = post(server.port(), ApiPaths.GROUNDING,
                    imageJson(",\"phrase\":[\"one\",\"two\"]"));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).startsWith(" "); // the probes' spaces, then the JSON
            JsonObject out = JsonParser.parseString(r.body()).getAsJsonObject();
            assertThat(out.get("truncated").getAsBoolean()).isTrue();
            JsonArray results = out.getAsJsonArray("results");
            assertThat(results).hasSize(1);
            assertThat(slow.calls.get()).isEqualTo(1);
        }
    }

    @Test
    void theTimeLimitEndsAChatAnswerUnderWayAsMaxTokensWould() throws Exception {
        ApiSettings settings = ApiSettings.builder().maxRequestTime(Duration.ofSeconds(2)).build();
        InternVLChatModel chat = InternVLChatModel.builder(Fixture.engine())
                .defaultOptions(InternVLChatOptions.builder().maxTokens(4000).build()).build();
        try (LoopbackServer server = LoopbackServer.start(settings, new ChatCompletionsController(chat,
                settings))) {
            String question = "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell a very long story.\"}]";
            long start = System.nanoTime();
            HttpResponse<String> whole = post(server.port(), ApiPaths.CHAT_COMPLETIONS, question + "}");
            assertThat((System.nanoTime() - start) / 1e9).isLessThan(5.0);
            assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
            JsonObject choice = JsonParser.parseString(whole.body()).getAsJsonObject().getAsJsonArray("choices")
                    .get(0).getAsJsonObject();
            assertThat(choice.get("finish_reason").getAsString()).isEqualTo("length");
            assertThat(choice.getAsJsonObject("message").get("content").getAsString()).isNotEmpty();

            HttpResponse<String> streamed = post(server.port(), ApiPaths.CHAT_COMPLETIONS,
                    question + ",\"stream\":true}");
            assertThat(streamed.statusCode()).isEqualTo(200);
            List<String> events = streamed.body().lines().filter(l -> l.startsWith("data: ")).toList();
            assertThat(events.get(events.size() - 1)).isEqualTo("data: [DONE]");
            JsonObject last = JsonParser.parseString(events.get(events.size() - 2).substring(6)).getAsJsonObject();
            assertThat(last.getAsJsonArray("choices").get(0).getAsJsonObject().get("finish_reason").getAsString())
                    .isEqualTo("length");
        }
    }

    @Test
    void withoutProbesTheAnswerIsPlainJsonWithItsLength() throws Exception {
        ApiSettings settings = ApiSettings.builder().disconnectCheckInterval(Duration.ZERO).build();
        Slow slow = new Slow(true) {
            @Override
            public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles, ChatListener listener) {
                for (int i = 0; i < 50; i++) { // half a second of "generation": probes would have written
                    listener.onText("x");
                    sleep();
                }
                return OcrResult.of("done");
            }
        };
        try (LoopbackServer server = LoopbackServer.start(settings, new OcrController(slow, Fixture.MODEL,
                settings))) {
            HttpResponse<String> r = post(server.port(), ApiPaths.OCR, imageJson(""));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("{");
            assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue(r.body().getBytes(
                    StandardCharsets.UTF_8).length);
        }
    }

    static void sleep() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
