package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.json;
import static dev.internvl.spring.web.Fixture.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.internvl.ChatListener;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/** http(s) image URLs: fetched only from allowed hosts, within the time limit and the size cap. */
class RemoteImagesTest {

    static HttpServer server;
    static String base;

    @BeforeAll
    static void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        byte[] png = png(40, 30, 1);
        server.createContext("/cat.png", x -> send(x, 200, "image/png", png));
        server.createContext("/odd-type", x -> send(x, 200, "image/p ng", png)); // not a valid media type
        server.createContext("/big", x -> send(x, 200, "image/png", new byte[300_000]));
        server.createContext("/big-chunked", x -> {
            x.getResponseHeaders().set("Content-Type", "image/png");
            x.sendResponseHeaders(200, 0); // chunked: no length announced
            try (OutputStream out = x.getResponseBody()) {
                for (int i = 0; i < 30; i++) {
                    out.write(new byte[10_000]);
                }
            } catch (IOException e) {
                // the client hung up at the cap
            }
        });
        server.createContext("/slow", x -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            send(x, 200, "image/png", png);
        });
        server.createContext("/to-cat", x -> redirect(x, "/cat.png"));
        server.createContext("/to-elsewhere", x -> redirect(x, "http://localhost:" + server.getAddress().getPort()
                + "/cat.png"));
        server.createContext("/loop", x -> redirect(x, "/loop"));
        server.createContext("/missing", x -> send(x, 404, "text/plain", "no".getBytes()));
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    static void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        } catch (IOException e) {
            // the client hung up
        }
    }

    static void redirect(HttpExchange x, String location) throws IOException {
        x.getResponseHeaders().set("Location", location);
        x.sendResponseHeaders(302, -1);
        x.close();
    }

    static final VisionService SIZE = new VisionService() {
        @Override
        public GroundingResult ground(RgbImage image, String phrase, boolean all, Integer maxTiles,
                    ChatListener listener) {
            return GroundingResult.empty("");
        }

        @Override
        public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles,
                    ChatListener listener) {
            return OcrResult.of(image.width() + "x" + image.height());
        }
    };

    final ApiSettings settings = ApiSettings.builder().allowedImageHosts(List.of("127.0.0.1", "*.example.test"))
            .imageFetchTimeout(Duration.ofMillis(1500)).maxImageFetchBytes(100_000).build();
    final MockMvc mvc = Fixture.mvc(settings, SIZE);

    MvcResult ocr(String url) throws Exception {
        return mvc.perform(post("/v1/ocr").contentType(MediaType.APPLICATION_JSON)
                .content("{\"image\":\"" + url + "\"}")).andReturn();
    }

    @Test
    void anAllowedHostsImageIsFetched() throws Exception {
        MvcResult r = ocr(base + "/cat.png");
        assertThat(r.getResponse().getStatus()).as(Fixture.text(r)).isEqualTo(200);
        assertThat(json(r).get("text").getAsString()).isEqualTo("40x30");
        assertThat(json(ocr(base + "/to-cat")).get("text").getAsString()).isEqualTo("40x30"); // same-host redirect
    }

    @Test
    void aMalformedImageTypeFromTheRemoteServerIsLeftToTheDecoder() throws Exception {
        MvcResult r = ocr(base + "/odd-type");
        assertThat(r.getResponse().getStatus()).as(Fixture.text(r)).isEqualTo(200);
        assertThat(json(r).get("text").getAsString()).isEqualTo("40x30");
    }

    @Test
    void chatImagesMayBeAllowedUrlsToo() throws Exception {
        MvcResult r = Fixture.mvc(settings).perform(post("/v1/chat/completions")
                .contentType(MediaType.APPLICATION_JSON).content("{\"max_tokens\":1,\"messages\":[{\"role\":\"user\","
                        + "\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + base + "/cat.png\"}},"
                        + "{\"type\":\"text\",\"text\":\"What is it?\"}]}]}")).andReturn();
        assertThat(r.getResponse().getStatus()).as(Fixture.text(r)).isEqualTo(200);
        assertThat(json(r).getAsJsonObject("usage").get("prompt_tokens").getAsInt()).isGreaterThan(256);
    }

    @Test
    void otherHostsAreRefusedWithoutAConnection() throws Exception {
        assertError(ocr("http://localhost:" + server.getAddress().getPort() + "/cat.png"), 400,
                "images from host 'localhost' are not fetched by this server");
        assertError(ocr("http://example.test/cat.png"), 400, "host 'example.test' are not fetched");
        assertError(ocr(base + "/to-elsewhere"), 400, "host 'localhost' are not fetched");
        assertError(ocr("ftp://127.0.0.1/cat.png"), 400, "not valid base64"); // not a URL this endpoint reads
    }

    @Test
    void wildcardHostsMatchSubdomainsOnly() {
        assertThat(settings.allowsImageHost("img.example.test")).isTrue();
        assertThat(settings.allowsImageHost("a.b.EXAMPLE.test")).isTrue();
        assertThat(settings.allowsImageHost("example.test")).isFalse();
        assertThat(settings.allowsImageHost("evilexample.test")).isFalse();
        assertThat(settings.allowsImageHost("127.0.0.1")).isTrue();
        assertThat(settings.allowsImageHost("127.0.0.10")).isFalse();
    }

    @Test
    void tooLargeImagesAreRefused() throws Exception {
        assertThat(assertError(ocr(base + "/big"), 400, "is larger than 100000 bytes").get("code").getAsString())
                .isEqualTo("image_too_large");
        assertError(ocr(base + "/big-chunked"), 400, "is larger than 100000 bytes");
    }

    @Test
    void slowServersTimeOut() throws Exception {
        long start = System.nanoTime();
        assertThat(assertError(ocr(base + "/slow"), 400, "timed out").get("code").getAsString())
                .isEqualTo("image_fetch_failed");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(2800));
    }

    @Test
    void failedFetchesAre400() throws Exception {
        assertError(ocr(base + "/missing"), 400, "HTTP status 404");
        assertError(ocr(base + "/loop"), 400, "more than 3 redirects");
    }
}
