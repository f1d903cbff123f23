package dev.internvl.remote;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.internvl.ChatAnswer;
import dev.internvl.ChatListener;
import dev.internvl.ChatRequest;
import dev.internvl.FinishReason;
import dev.internvl.GenerationOptions;
import dev.internvl.InvalidRequestException;
import dev.internvl.grounding.BoundingBox;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.VisionTasks;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import dev.internvl.video.VideoFrames;
import dev.internvl.video.VideoInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The remote engine against stub servers on loopback that answer with the shapes vLLM and LMDeploy document (their
 * streaming chunks and usage, their error bodies): what goes out for each kind of request, what comes back, and how
 * replicas fail over.
 */
class RemoteEngineTest {

    private final List<Stub> stubs = new ArrayList<>();
    private final List<RemoteEngine> engines = new ArrayList<>();

    @AfterEach
    void stop() {
        engines.forEach(RemoteEngine::close);
        stubs.forEach(Stub::stop);
    }

    /** A loopback server answering {@code /v1/chat/completions} with {@code answer} and {@code /v1/models} with 200. */
    final class Stub {
        final HttpServer server;
        final List<JsonObject> requests = new CopyOnWriteArrayList<>();
        volatile Consumer<HttpExchange> answer;

        Stub(int port, Consumer<HttpExchange> answer) throws IOException {
            this.answer = answer;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
            server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
            server.createContext("/v1/chat/completions", ex -> {
                requests.add(JsonParser.parseString(new String(ex.getRequestBody().readAllBytes(),
                        StandardCharsets.UTF_8)).getAsJsonObject());
                this.answer.accept(ex);
                ex.close();
            });
            server.createContext("/v1/models", ex -> {
                send(ex, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":\"m\",\"object\":\"model\"}]}");
                ex.close();
            });
            server.start();
            stubs.add(this);
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        }

        void stop() {
            server.stop(0);
        }
    }

    /** vLLM's stream: a role chunk, content chunks, a finish chunk, then the usage chunk with no choices. */
    static Consumer<HttpExchange> vllmStream(List<String> pieces, String finish, int prompt) {
        return ex -> {
            StringBuilder sse = new StringBuilder();
            sse.append(chunk("{\"role\":\"assistant\",\"content\":\"\"}", null));
            for (String p : pieces) {
                JsonObject d = new JsonObject();
                d.addProperty("content", p);
                sse.append(chunk(d.toString(), null));
            }
            sse.append(chunk("{\"content\":\"\"}", finish));
            sse.append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt + ",\"total_tokens\":" + (prompt
                    + pieces.size()) + ",\"completion_tokens\":" + pieces.size() + "}}\n\n");
            sse.append("data: [DONE]\n\n");
            send(ex, 200, "text/event-stream", sse.toString());
        };
    }

    private static String chunk(String delta, String finish) {
        return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + ",\"stop_reason\":null}],\"usage\":null}\n\n";
    }

    static void send(HttpExchange ex, int status, String type, String body) {
        try {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", type);
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private RemoteEngine engine(RemoteOptions.Flavor flavor, Duration downFor, URI... urls) {
        RemoteEngine e = RemoteEngine.connect(RemoteOptions.of(flavor, "internvl", List.of(urls))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(20), downFor));
        engines.add(e);
        return e;
    }

    private static RgbImage picture(int w, int h, int seed) {
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 31 + seed * 7);
        }
        return new RgbImage(w, h, rgb);
    }

    private static RgbImage decodeDataUrl(JsonObject part) {
        String url = part.getAsJsonObject("image_url").get("url").getAsString();
        assertTrue(url.startsWith("data:image/png;base64,"), url.substring(0, 40));
        return ImageDecoder.decode(Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1)), "sent");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void aRoundGoesOutAsTheReferenceChatBuildsItAndStreamsBack() throws IOException {
        Stub vllm = new Stub(0, vllmStream(List.of("A red", " square", "."), "stop", 300));
        RemoteEngine remote = engine(RemoteOptions.Flavor.VLLM, Duration.ofSeconds(5), vllm.url());
        RgbImage image = picture(64, 48, 1);
        List<String> deltas = new ArrayList<>();
        ChatAnswer a = remote.chat(ChatRequest.builder("What is it?").image(image).maxTiles(2)
                .systemMessage("Be brief.").build(), deltas::add);
        assertEquals("A red square.", a.text());
        assertEquals(List.of("A red", " square", "."), deltas);
        assertEquals(FinishReason.STOP, a.finishReason());
        assertEquals(300, a.promptTokens());
        assertEquals(3, a.completionTokens());
        assertEquals("<image>\nWhat is it?", a.history().get(0).question());

        JsonObject sent = vllm.requests.get(0);
        assertEquals("internvl", sent.get("model").getAsString());
        assertTrue(sent.get("stream").getAsBoolean());
        assertTrue(sent.getAsJsonObject("stream_options").get("include_usage").getAsBoolean());
        assertEquals(2, sent.getAsJsonObject("mm_processor_kwargs").get("max_dynamic_patch").getAsInt());
        JsonArray messages = sent.getAsJsonArray("messages");
        assertEquals("system", messages.get(0).getAsJsonObject().get("role").getAsString());
        assertEquals("Be brief.", messages.get(0).getAsJsonObject().get("content").getAsString());
        JsonArray parts = messages.get(1).getAsJsonObject().getAsJsonArray("content");
        // the question with its placeholder, as the reference chat() writes it: vLLM uses placeholders it finds
        assertEquals("<image>\nWhat is it?", parts.get(0).getAsJsonObject().get("text").getAsString());
        assertEquals(image, decodeDataUrl(parts.get(1).getAsJsonObject())); // lossless: the same pixels
        assertFalse(sent.has("skip_special_tokens"));
    }

    @Test
    void imagesGoWithTheMessageThatHoldsTheirPlaceholdersAcrossRounds() throws IOException {
        Stub vllm = new Stub(0, vllmStream(List.of("ok"), "stop", 10));
        RemoteEngine remote = engine(RemoteOptions.Flavor.VLLM, Duration.ofSeconds(5), vllm.url());
        RgbImage a = picture(32, 32, 1);
        RgbImage b = picture(40, 30, 2);
        ChatAnswer first = remote.chat(ChatRequest.builder("Compare.").image(a).image(b).build());
        assertEquals("Image-1: <image>\nImage-2: <image>\nCompare.", first.history().get(0).question());
        // the next round sends the images again with the history, as the reference chat() is given them
        remote.chat(ChatRequest.builder("And now?").image(a).image(b).history(first.history()).build());
        JsonArray messages = vllm.requests.get(1).getAsJsonArray("messages");
        assertEquals(3, messages.size());
        JsonArray round1 = messages.get(0).getAsJsonObject().getAsJsonArray("content");
        assertEquals("Image-1: <image>\nImage-2: <image>\nCompare.", round1.get(0).getAsJsonObject().get("text")
                .getAsString());
        assertEquals(a, decodeDataUrl(round1.get(1).getAsJsonObject()));
        assertEquals(b, decodeDataUrl(round1.get(2).getAsJsonObject()));
        assertEquals("ok", messages.get(1).getAsJsonObject().get("content").getAsString());
        assertEquals("And now?", messages.get(2).getAsJsonObject().get("content").getAsString());
        assertFalse(vllm.requests.get(1).has("mm_processor_kwargs")); // no tile limit asked: the server's own
        // fewer placeholders than images is the same error as in-process
        assertThrows(InvalidRequestException.class, () -> remote.chat(ChatRequest.builder("x").image(a)
                .history(List.of(new dev.internvl.text.ChatTurn("hi", "hello"))).build()));
    }

    @Test
    void lmdeploySpellsPlaceholdersAndTileLimitsItsOwnWay() throws IOException {
        // LMDeploy: usage on every chunk, the role in every delta
        Stub lmdeploy = new Stub(0, ex -> send(ex, 200, "text/event-stream",
                "data: {\"id\":\"1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":"
                        + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Two\"},\"finish_reason\":null}],"
                        + "\"usage\":{\"prompt_tokens\":520,\"completion_tokens\":1,\"total_tokens\":521}}\n\n"
                        + "data: {\"id\":\"1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":"
                        + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\" frames\"},\"finish_reason\":"
                        + "\"stop\"}],\"usage\":{\"prompt_tokens\":520,\"completion_tokens\":2,\"total_tokens\":522}}\n\n"
                        + "data: [DONE]\n\n"));
        RemoteEngine remote = engine(RemoteOptions.Flavor.LMDEPLOY, Duration.ofSeconds(5), lmdeploy.url());
        VideoFrames clip = new VideoFrames(new VideoInfo(20, 10, 32, 32, 2, "h264"), List.of(5, 15),
                List.of(picture(32, 32, 3), picture(32, 32, 4)));
        ChatAnswer a = remote.chat(ChatRequest.builder("What happens?").video(clip).build());
        assertEquals("Two frames", a.text());
        assertEquals(520, a.promptTokens());
        assertEquals(2, a.completionTokens());
        assertEquals("Frame1: <image>\nFrame2: <image>\nWhat happens?", a.history().get(0).question());
        JsonObject sent = lmdeploy.requests.get(0);
        JsonArray parts = sent.getAsJsonArray("messages").get(0).getAsJsonObject().getAsJsonArray("content");
        assertEquals("Frame1: <IMAGE_TOKEN>\nFrame2: <IMAGE_TOKEN>\nWhat happens?", parts.get(0).getAsJsonObject()
                .get("text").getAsString());
        // a video's frames get one tile each, as in-process; LMDeploy takes the limit per image
        assertEquals(1, parts.get(1).getAsJsonObject().getAsJsonObject("image_url").get("max_dynamic_patch").getAsInt());
        assertEquals(1, parts.get(2).getAsJsonObject().getAsJsonObject("image_url").get("max_dynamic_patch").getAsInt());
        assertFalse(sent.has("mm_processor_kwargs"));
    }

    @Test
    void groundingKeepsTheMarkersAndGivesBoxesInTheImagesPixels() throws IOException {
        Stub vllm = new Stub(0, vllmStream(List.of("<ref>", "the cat", "</ref>", "<box>", "[[100, 250, 500, 750]]",
                "</box>"), "stop", 400));
        RemoteEngine remote = engine(RemoteOptions.Flavor.VLLM, Duration.ofSeconds(5), vllm.url());
        GroundingResult g = VisionTasks.ground(remote, picture(200, 100, 5), "the cat");
        BoundingBox box = g.refs().get(0).boxes().get(0);
        assertEquals("the cat", g.refs().get(0).label());
        assertArrayEquals(new double[] {20, 25, 100, 75}, new double[] {box.x1(), box.y1(), box.x2(), box.y2()});
        JsonObject sent = vllm.requests.get(0);
        assertFalse(sent.get("skip_special_tokens").getAsBoolean());
        assertFalse(sent.get("spaces_between_special_tokens").getAsBoolean());
        assertEquals(0.0, sent.get("temperature").getAsDouble());
    }

    @Test
    void errorsComeBackAsTheServerSaysThemInEitherShape() throws IOException {
        Stub openAiShape = new Stub(0, ex -> send(ex, 400, "application/json", "{\"error\":{\"message\":\"This "
                + "model's maximum context length is 8192 tokens.\",\"type\":\"BadRequestError\",\"param\":null,"
                + "\"code\":400}}"));
        RemoteEngine a = engine(RemoteOptions.Flavor.VLLM, Duration.ofSeconds(5), openAiShape.url());
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> a.chat(ChatRequest.of("Hi")));
        assertEquals("This model's maximum context length is 8192 tokens.", e.getMessage());
        assertEquals("BadRequestError", e.code());

        Stub flat = new Stub(0, ex -> send(ex, 400, "application/json", "{\"object\":\"error\",\"message\":\"At most "
                + "1 image(s) may be provided in one request.\",\"type\":\"BadRequestError\",\"param\":null,"
                + "\"code\":400}"));
        RemoteEngine b = engine(RemoteOptions.Flavor.VLLM, Duration.ofSeconds(5), flat.url());
        e = assertThrows(InvalidRequestException.class, () -> b.chat(ChatRequest.of("Hi")));
        assertEquals("At most 1 image(s) may be provided in one request.", e.getMessage());

        // a server error after the request reached it is not sent again elsewhere
        Stub broken = new Stub(0, ex -> send(ex, 500, "application/json", "{\"error\":{\"message\":\"CUDA out of "
                + "memory\",\"type\":\"InternalServerError\",\"code\":500}}"));
        Stub healthy = new Stub(0, vllmStream(List.of("hi"), "stop", 3));
        RemoteEngine c = engine(RemoteOptions.Flavor.VLLM, Duration.ofSeconds(60), broken.url(), healthy.url());
        int failures = 0;
        for (int i = 0; i < 4; i++) {
            try {
                c.chat(ChatRequest.of("Hi"));
            } catch (IllegalStateException expected) {
                assertTrue(expected.getMessage().contains("CUDA out of memory"), expected.getMessage());
                failures++;
            }
        }
        assertEquals(1, broken.requests.size());
        assertEquals(1, failures); // then it is down, and the healthy one takes the rest
        assertEquals(3, healthy.requests.size());
        assertFalse(c.replicas().get(0).up());
    }

    @Test
    void aReplicaThatIsGoneOrBusyIsPassedOverAndComesBackAfterAHealthCheck() throws Exception {
        int port = freePort(); // nothing listens there yet
        Stub busy = new Stub(0, ex -> {
            ex.getResponseHeaders().set("Retry-After", "1");
            send(ex, 503, "application/json", "{\"error\":{\"message\":\"overloaded\"}}");
        });
        Stub good = new Stub(0, vllmStream(List.of("fine"), "stop", 3));
        URI gone = URI.create("http://127.0.0.1:" + port);
        RemoteEngine remote = engine(RemoteOptions.Flavor.VLLM, Duration.ofMillis(600), gone, busy.url(), good.url());
        for (int i = 0; i < 6; i++) {
            assertEquals("fine", remote.chat(ChatRequest.of("Hi")).text());
        }
        assertEquals(6, good.requests.size()); // none lost, none answered twice
        assertEquals(1, busy.requests.size()); // tried once, then down for its Retry-After
        List<RemoteEngine.ReplicaStatus> states = remote.replicas();
        assertFalse(states.get(0).up());
        assertTrue(states.get(0).lastError().contains("cannot connect"), states.get(0).lastError());
        assertFalse(states.get(1).up());
        assertTrue(states.get(2).up());
        assertEquals(6, states.get(2).answered());

        // all down: refused at once, naming why
        good.stop();
        Thread.sleep(50);
        RejectedExecutionException none = assertThrows(RejectedExecutionException.class,
                () -> remote.chat(ChatRequest.of("Hi")));
        assertTrue(none.getMessage().contains("no replica of internvl takes the request"), none.getMessage());
        assertTrue(remote.stats().failure() != null);

        // the gone one starts: a health check brings it back
        Stub back = new Stub(port, vllmStream(List.of("back"), "stop", 3));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!remote.replicas().get(0).up() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(remote.replicas().get(0).up(), remote.replicas().toString());
        assertEquals("back", remote.chat(ChatRequest.of("Hi")).text());
        assertEquals(1, back.requests.size());
        assertNull(remote.stats().failure());
    }

    @Test
    void aListenerThatCancelsClosesTheConnection() throws Exception {
        CountDownLatch gone = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        Stub slow = new Stub(0, ex -> {
            try {
                ex.getResponseHeaders().set("Content-Type", "text/event-stream");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                for (int i = 0; i < 200; i++) {
                    out.write(chunk("{\"content\":\"t" + i + " \"}", null).getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    Thread.sleep(20);
                }
                finished.set(true);
                out.close();
            } catch (IOException e) {
                gone.countDown(); // the client closed the connection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        RemoteEngine remote = engine(RemoteOptions.Flavor.VLLM, Duration.ofSeconds(5), slow.url());
        List<String> seen = new ArrayList<>();
        ChatAnswer a = remote.chat(ChatRequest.of("Count."), new ChatListener() {
            @Override
            public void onText(String delta) {
                seen.add(delta);
            }

            @Override
            public boolean cancelled() {
                return seen.size() >= 3;
            }
        });
        assertEquals(FinishReason.CANCELLED, a.finishReason());
        assertEquals("t0 t1 t2 ", a.text());
        assertTrue(gone.await(10, TimeUnit.SECONDS), "the server never saw the client go");
        assertFalse(finished.get());
    }

    @Test
    void generationOptionsGoOutUnderTheirOpenAiNames() throws IOException {
        Stub vllm = new Stub(0, vllmStream(List.of("x"), "length", 3));
        RemoteEngine remote = engine(RemoteOptions.Flavor.VLLM, Duration.ofSeconds(5), vllm.url());
        ChatAnswer a = remote.chat(ChatRequest.builder("Hi").generation(GenerationOptions.builder().maxNewTokens(7)
                .temperature(0.7).topP(0.9).topK(20).repetitionPenalty(1.1).seed(42L).stopStrings(List.of("END"))
                .build()).build());
        assertEquals(FinishReason.LENGTH, a.finishReason());
        JsonObject sent = vllm.requests.get(0);
        assertEquals(7, sent.get("max_tokens").getAsInt());
        assertEquals(0.7, sent.get("temperature").getAsDouble());
        assertEquals(0.9, sent.get("top_p").getAsDouble());
        assertEquals(20, sent.get("top_k").getAsInt());
        assertEquals(1.1, sent.get("repetition_penalty").getAsDouble());
        assertEquals(42, sent.get("seed").getAsLong());
        assertEquals("END", sent.getAsJsonArray("stop").get(0).getAsString());
        assertArrayEquals(new long[0], a.tokenIds());
    }
}
