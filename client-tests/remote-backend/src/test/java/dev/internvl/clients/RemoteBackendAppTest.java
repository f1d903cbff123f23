package dev.internvl.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.testing.SampleAppProcess;
import dev.internvl.testing.TinyModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The remote backend end to end, in two processes of the sample app started from its jar: the first serves the tiny
 * checkpoint (as an application's trusted back end: special-tokens-in-text=reference), the second is configured
 * only by properties ({@code spring.ai.internvl.backend=remote}, the first's URL, API key and model name) and loads
 * nothing. A client of the second gets what a client of the first gets: the chat answer and its token counts,
 * streamed or not, and the grounding result.
 */
class RemoteBackendAppTest {

    static final String KEY = "remote-test-key";

    @TempDir
    static Path tmp;

    static SampleAppProcess server;
    static SampleAppProcess front;

    @BeforeAll
    static void startBoth() throws Exception {
        server = SampleAppProcess.startOnTinyModel(Files.createDirectory(tmp.resolve("server")), KEY,
                List.of("--spring.ai.internvl.web.special-tokens-in-text=reference"));
        Path frontDir = Files.createDirectory(tmp.resolve("front"));
        front = SampleAppProcess.start(SampleAppProcess.builtJar(), KEY, frontDir.resolve("app.log"), List.of(
                "--spring.ai.internvl.backend=remote",
                "--spring.ai.internvl.remote.base-urls=" + server.baseUrl(),
                "--spring.ai.internvl.remote.model=tiny-internvl",
                "--spring.ai.internvl.remote.flavor=internvl",
                "--spring.ai.internvl.remote.api-key=" + KEY,
                "--spring.ai.internvl.web.api-key=" + KEY));
    }

    @AfterAll
    static void stopBoth() throws InterruptedException {
        if (front != null) {
            front.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static HttpResponse<String> post(SampleAppProcess app, String path, String json) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(app.baseUrl() + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static String image() {
        return Base64.getEncoder().encodeToString(TinyModel.png(96, 64, 9));
    }

    static String chat(boolean stream) {
        return "{\"model\":\"tiny-internvl\",\"max_tokens\":8,\"stream\":" + stream + ",\"stream_options\":"
                + (stream ? "{\"include_usage\":true}" : "null") + ",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"What is in the picture?\"},{\"type\":\"image_url\",\"image_url\":"
                + "{\"url\":\"data:image/png;base64," + image() + "\"}}]}]}";
    }

    @Test
    void theRemoteFrontAnswersAsTheServerItself() throws Exception {
        HttpResponse<String> direct = post(server, "/v1/chat/completions", chat(false));
        HttpResponse<String> through = post(front, "/v1/chat/completions", chat(false));
        assertEquals(200, direct.statusCode(), direct.body());
        assertEquals(200, through.statusCode(), through.body());
        JsonObject a = JsonParser.parseString(direct.body()).getAsJsonObject();
        JsonObject b = JsonParser.parseString(through.body()).getAsJsonObject();
        String answer = a.getAsJsonArray("choices").get(0).getAsJsonObject().getAsJsonObject("message")
                .get("content").getAsString();
        assertEquals(answer, b.getAsJsonArray("choices").get(0).getAsJsonObject().getAsJsonObject("message")
                .get("content").getAsString());
        assertEquals(a.getAsJsonObject("usage"), b.getAsJsonObject("usage"));
        assertEquals("tiny-internvl", b.get("model").getAsString());

        // streamed through the front: the same text, delta by delta, and the same usage
        HttpResponse<String> streamed = post(front, "/v1/chat/completions", chat(true));
        assertEquals(200, streamed.statusCode(), streamed.body());
        StringBuilder text = new StringBuilder();
        JsonObject usage = null;
        for (String line : streamed.body().split("\n")) {
            if (!line.startsWith("data: {")) {
                continue;
            }
            JsonObject chunk = JsonParser.parseString(line.substring(6)).getAsJsonObject();
            if (chunk.has("usage") && chunk.get("usage").isJsonObject()) {
                usage = chunk.getAsJsonObject("usage");
            }
            JsonArray choices = chunk.getAsJsonArray("choices");
            if (!choices.isEmpty() && choices.get(0).getAsJsonObject().getAsJsonObject("delta").has("content")) {
                text.append(choices.get(0).getAsJsonObject().getAsJsonObject("delta").get("content").getAsString());
            }
        }
        assertEquals(answer, text.toString());
        assertEquals(a.getAsJsonObject("usage"), usage);
    }

    @Test
    void groundingThroughTheFrontIsTheServersOwn() throws Exception {
        String body = "{\"image\":\"" + image() + "\",\"phrase\":\"the square\"}";
        HttpResponse<String> direct = post(server, "/v1/grounding", body);
        HttpResponse<String> through = post(front, "/v1/grounding", body);
        assertEquals(200, direct.statusCode(), direct.body());
        assertEquals(200, through.statusCode(), through.body());
        JsonObject a = JsonParser.parseString(direct.body()).getAsJsonObject();
        JsonObject b = JsonParser.parseString(through.body()).getAsJsonObject();
        assertEquals(a.get("results"), b.get("results"));
        assertEquals(a.get("image"), b.get("image"));
        assertTrue(a.getAsJsonArray("results").get(0).getAsJsonObject().has("raw"), direct.body());
    }
}
