package dev.internvl.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A streamed answer carries every character as the whole answer does, over a real connection: the tiny model's
 * answer to this question holds Vietnamese, Arabic and an emoji, which a stream written in the servlet's default
 * ISO-8859-1 turned into '?'.
 */
class StreamEncodingTest {

    @Test
    void aStreamedAnswerIsTheWholeAnswerCharacterForCharacter() throws Exception {
        try (LoopbackServer s = LoopbackServer.start(ApiSettings.builder().build(),
                new ChatCompletionsController(Fixture.chatModel(), ApiSettings.builder().build()))) {
            String whole = JsonParser.parseString(post(s, false).body()).getAsJsonObject().getAsJsonArray("choices")
                    .get(0).getAsJsonObject().getAsJsonObject("message").get("content").getAsString();
            assertThat(whole.chars().anyMatch(c -> c > 0xFF)).as(whole).isTrue();
            HttpResponse<String> streamed = post(s, true);
            assertThat(streamed.headers().firstValue("Content-Type")).hasValue("text/event-stream;charset=UTF-8");
            StringBuilder text = new StringBuilder();
            for (String line : streamed.body().split("\n")) {
                if (line.startsWith("data: {")) {
                    JsonObject delta = JsonParser.parseString(line.substring(6)).getAsJsonObject()
                            .getAsJsonArray("choices").get(0).getAsJsonObject().getAsJsonObject("delta");
                    if (delta.has("content")) {
                        text.append(delta.get("content").getAsString());
                    }
                }
            }
            assertThat(text.toString()).isEqualTo(whole);
        }
    }

    private static HttpResponse<String> post(LoopbackServer s, boolean stream) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port()
                + "/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + Fixture.MODEL + "\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Count to three.\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
