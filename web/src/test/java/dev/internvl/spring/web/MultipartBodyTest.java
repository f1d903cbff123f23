package dev.internvl.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Multipart form data on a real connection, parsed by the servlet container within the multipart limits (here
 * {@code maxRequestBytes}, as Spring Boot sets them for InternVL): fields, files and the query; bodies over the
 * limit with a length (the filter) and without one (the container); malformed bodies. The endpoint is never reached
 * by a refused body.
 */
class MultipartBodyTest {

    static final ApiSettings SETTINGS = ApiSettings.builder().maxRequestBytes(4000).build();

    static VisionEndpointsTest.Scripted scripted;
    static LoopbackServer server;

    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        scripted = new VisionEndpointsTest.Scripted();
        server = LoopbackServer.start(SETTINGS, new GroundingController(scripted, Fixture.MODEL, SETTINGS),
                new OcrController(scripted, Fixture.MODEL, SETTINGS));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void clear() {
        scripted.calls.clear();
    }

    HttpResponse<String> post(String path, String contentType, byte[] body, boolean chunked) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Content-Type", contentType)
                // a stream publisher announces no length: the body goes chunked
                .POST(chunked ? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static JsonObject error(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
    }

    @Test
    void fieldsFilesAndTheQueryAreRead() throws Exception {
        byte[] png = Fixture.png(16, 12, 0);
        String head = "preamble to ignore\r\n--b0undary\r\n"
                + "Content-Disposition: form-data; name=\"phrase\"\r\n\r\nthe red car\r\n"
                + "--b0undary\r\n"
                + "Content-Disposition: form-data; name=\"phrase\"\r\n\r\nz\u00fcrich tram\r\n"
                + "--b0undary\r\n"
                + "Content-Disposition: form-data; name=\"image\"; filename=\"caf\u00e9.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n";
        byte[] tail = "\r\n--b0undary--\r\nepilogue".getBytes(StandardCharsets.UTF_8);
        byte[] body = concat(head.getBytes(StandardCharsets.UTF_8), png, tail);
        for (boolean chunked : new boolean[] {false, true}) {
            scripted.calls.clear();
            HttpResponse<String> r = post(ApiPaths.GROUNDING + "?all=true",
                    "multipart/form-data; boundary=\"b0undary\"", body, chunked);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonObject out = JsonParser.parseString(r.body()).getAsJsonObject();
            assertThat(out.getAsJsonObject("image").get("width").getAsInt()).isEqualTo(16);
            assertThat(scripted.calls).containsExactly("ground the red car all=true tiles=null",
                    "ground z\u00fcrich tram all=true tiles=null");
        }
    }

    @Test
    void aBodyOverTheLimitIs413WithOrWithoutALength() throws Exception {
        byte[] body = new Fixture.Multipart().file("image", "a.png", "image/png", new byte[5000]).build();
        JsonObject declared = error(post(ApiPaths.OCR, Fixture.Multipart.CONTENT_TYPE, body, false), 413);
        assertThat(declared.get("code").getAsString()).isEqualTo("request_too_large");
        assertThat(declared.get("message").getAsString()).contains("larger than 4000 bytes");
        JsonObject chunked = error(post(ApiPaths.OCR, Fixture.Multipart.CONTENT_TYPE, body, true), 413);
        assertThat(chunked.get("code").getAsString()).isEqualTo("request_too_large");
        assertThat(chunked.get("type").getAsString()).isEqualTo("invalid_request_error");
        assertThat(scripted.calls).isEmpty();
    }

    @Test
    void aChunkedJsonBodyOverTheLimitIs413AndNeverReachesTheEndpoint() throws Exception {
        byte[] json = ("{\"image\":\"" + "A".repeat(5000) + "\"}").getBytes(StandardCharsets.UTF_8);
        JsonObject e = error(post(ApiPaths.OCR, "application/json", json, true), 413);
        assertThat(e.get("code").getAsString()).isEqualTo("request_too_large");
        assertThat(e.get("message").getAsString()).contains("larger than 4000 bytes");
        assertThat(scripted.calls).isEmpty();
    }

    @Test
    void malformedBodiesAre400() throws Exception {
        byte[] full = new Fixture.Multipart().file("image", "a.png", "image/png", Fixture.png(8, 8, 0)).build();
        JsonObject noBoundary = error(post(ApiPaths.OCR, "multipart/form-data", full, false), 400);
        assertThat(noBoundary.get("code").getAsString()).isEqualTo("invalid_request");
        assertThat(noBoundary.get("message").getAsString()).contains("multipart body could not be read")
                .contains("boundary");
        JsonObject truncated = error(post(ApiPaths.OCR, Fixture.Multipart.CONTENT_TYPE,
                Arrays.copyOf(full, full.length - 30), false), 400);
        assertThat(truncated.get("code").getAsString()).isEqualTo("invalid_request");
        assertThat(truncated.get("message").getAsString()).contains("multipart body could not be read");
        // a part without a name is no field: there is no image
        JsonObject unnamed = error(post(ApiPaths.OCR, Fixture.Multipart.CONTENT_TYPE,
                ("--" + Fixture.Multipart.BOUNDARY + "\r\nContent-Type: image/png\r\n\r\nxx\r\n--"
                        + Fixture.Multipart.BOUNDARY + "--").getBytes(StandardCharsets.US_ASCII), false), 400);
        assertThat(unnamed.get("code").getAsString()).isEqualTo("missing_image");
        assertThat(scripted.calls).isEmpty();
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
