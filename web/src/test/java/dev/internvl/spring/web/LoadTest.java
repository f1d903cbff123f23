package dev.internvl.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.internvl.testing.CapturedLog;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The endpoints under a bounded mixed load on a real connection (loopback Tomcat, the tiny engine): 200 requests at
 * concurrency 8 (chat with and without images, streamed or not, grounding, OCR, broken images, malformed JSON,
 * too many tokens, and 20 clients that go away mid-request) plus 20 bodies over the size limit. Every answer is the
 * expected one, nothing is logged at ERROR and no stack trace, and the heap after a full GC comes back within 10 % of
 * where it started.
 */
class LoadTest {

    static final ApiSettings SETTINGS = ApiSettings.builder().maxRequestBytes(256 * 1024).build();

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    int port;

    static final String IMAGE = Fixture.dataUrl(Fixture.png(64, 48, 1));
    static final String BROKEN = Fixture.dataUrl(Arrays.copyOf(Fixture.png(64, 48, 2), 60));

    static String chat(String image, String extra) {
        String content = image == null ? "\"Say something.\"" : "[{\"type\":\"text\",\"text\":\"Describe it.\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + image + "\"}}]";
        return "{\"messages\":[{\"role\":\"user\",\"content\":" + content + "}]" + extra + "}";
    }

    /** One request of kind {@code i % 10}; returns its outcome, e.g. "200", "400 invalid_image", "dropped". */
    String request(int i) throws Exception {
        return switch (i % 10) {
            case 0, 1 -> expect(post(ApiPaths.CHAT_COMPLETIONS, chat(IMAGE, "")), 200, "chat.completion");
            case 2 -> expect(post(ApiPaths.CHAT_COMPLETIONS, chat(IMAGE, ",\"stream\":true")), 200, "[DONE]");
            case 3 -> expect(post(ApiPaths.CHAT_COMPLETIONS, chat(null, "")), 200, "chat.completion");
            case 4 -> expect(post(ApiPaths.GROUNDING, "{\"image\":\"" + IMAGE + "\",\"phrase\":\"the square\"}"),
                    200, "\"results\"");
            case 5 -> expect(post(ApiPaths.OCR, "{\"image\":\"" + IMAGE + "\"}"), 200, "\"text\"");
            case 6 -> expect(post(ApiPaths.CHAT_COMPLETIONS, chat(BROKEN, "")), 400, "invalid_image");
            case 7 -> expect(post(ApiPaths.CHAT_COMPLETIONS, "{\"messages\":[{\"role\":"), 400, "not valid JSON");
            case 8 -> expect(post(ApiPaths.CHAT_COMPLETIONS, chat(null, ",\"max_tokens\":100000")), 400,
                    "max_tokens");
            default -> drop(i % 20 == 9 ? chat(IMAGE, ",\"stream\":true") : chat(IMAGE, ""), i % 20 == 9);
        };
    }

    HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json))
                .timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String expect(HttpResponse<String> r, int status, String fragment) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.body()).contains(fragment);
        return String.valueOf(status);
    }

    /** A client that sends its request and goes away: at once, or (a stream) after its first event. */
    String drop(String json, boolean stream) throws Exception {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + ApiPaths.CHAT_COMPLETIONS + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            if (stream) {
                InputStream in = socket.getInputStream();
                String seen = "";
                byte[] buf = new byte[256];
                while (!seen.contains("data:")) {
                    int n = in.read(buf);
                    assertThat(n).as("the stream began").isPositive();
                    seen += new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                }
            }
        }
        return "dropped";
    }

    /** A body over the size limit, declared: refused with 413 before it is read. */
    String oversized() throws Exception {
        String json = "{\"image\":\"" + "A".repeat(300 * 1024) + "\"}";
        return expect(post(ApiPaths.OCR, json), 413, "request_too_large");
    }

    static long heapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int k = 0; k < 4; k++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void mixedLoadWithDroppedClientsAndOversizedBodies() throws Exception {
        try (LoopbackServer server = LoopbackServer.start(SETTINGS,
                new ChatCompletionsController(Fixture.chatModel(), SETTINGS),
                new GroundingController(Fixture.vision(), Fixture.MODEL, SETTINGS),
                new OcrController(Fixture.vision(), Fixture.MODEL, SETTINGS));
                CapturedLog log = CapturedLog.start()) {
            port = server.port();
            for (int i = 0; i < 10; i++) { // every kind once, so that what is loaded once is in the baseline
                request(i);
            }
            oversized();
            awaitIdle();
            long before = heapAfterGc();

            Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
            List<Future<?>> done = new ArrayList<>();
            ExecutorService clients = Executors.newFixedThreadPool(8);
            long start = System.nanoTime();
            try {
                for (int i = 0; i < 220; i++) {
                    int n = i;
                    done.add(clients.submit(() -> {
                        // every eleventh task an oversized body: 20 of 220
                        String outcome = n % 11 == 10 ? oversized() : request(n - n / 11);
                        outcomes.computeIfAbsent(outcome, k -> new AtomicInteger()).incrementAndGet();
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    try {
                        f.get(5, TimeUnit.MINUTES); // an unexpected answer fails here, with its body
                    } catch (ExecutionException e) {
                        // with what the server logged, which names the cause of a 500 (the answer gives only its id)
                        throw new AssertionError(e.getCause().getMessage() + "\nserver log:\n"
                                + String.join("\n", problems(log)), e.getCause());
                    }
                }
            } finally {
                clients.shutdownNow();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            awaitIdle();
            long after = heapAfterGc();

            Map<String, Integer> counts = new TreeMap<>();
            outcomes.forEach((k, v) -> counts.put(k, v.get()));
            System.out.printf("load: %s in %.1f s; heap after GC %.1f MB before, %.1f MB after%n", counts, seconds,
                    before / 1e6, after / 1e6);
            assertThat(counts).containsEntry("dropped", 20).containsEntry("413", 20)
                    .containsEntry("400", 60).containsEntry("200", 120);
            assertThat(after).as("heap after GC, bytes (before: %d)", before).isLessThanOrEqualTo(before * 11 / 10);
            assertThat(problems(log)).isEmpty();
        }
    }

    /** What the server logged at ERROR, and stack traces. */
    static List<String> problems(CapturedLog log) {
        return log.lines().stream().filter(l -> l.contains(" ERROR ") || l.contains("SEVERE")
                || l.startsWith("\tat ") || l.contains("Exception")).toList();
    }

    /** Waits until the engine has no request running or waiting (a dropped one ends at its next step). */
    static void awaitIdle() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            var load = Fixture.engine().stats();
            if (load.running() == 0 && load.waiting() == 0) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the engine is still busy: " + Fixture.engine().stats());
    }
}
