package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.dataUrl;
import static dev.internvl.spring.web.Fixture.json;
import static dev.internvl.spring.web.Fixture.png;
import static dev.internvl.spring.web.Fixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/** {@code /v1/chat/completions} and {@code /v1/models} on the tiny checkpoint: answers, streams, options, errors. */
class ChatCompletionsEndpointTest {

    final MockMvc mvc = Fixture.mvc(ApiSettings.builder().maxImages(2).build());

    static String request(String extra, String... imageUrls) {
        StringBuilder content = new StringBuilder("[{\"type\":\"text\",\"text\":\"Describe the image.\"}");
        for (String url : imageUrls) {
            content.append(",{\"type\":\"image_url\",\"image_url\":{\"url\":\"").append(url).append("\"}}");
        }
        content.append(']');
        return "{\"model\":\"tiny-internvl\",\"messages\":[{\"role\":\"user\",\"content\":" + content + "}]"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    MvcResult chat(String body) throws Exception {
        return mvc.perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders
                .post("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).content(body)).andReturn();
    }

    /** The JSON events of a server-sent event stream, and whether it ended with {@code data: [DONE]}. */
    record Events(List<JsonObject> events, boolean done) {
        String content() {
            StringBuilder s = new StringBuilder();
            for (JsonObject e : events) {
                for (var c : e.getAsJsonArray("choices")) {
                    JsonObject delta = c.getAsJsonObject().getAsJsonObject("delta");
                    if (delta.has("content") && !delta.get("content").isJsonNull()) {
                        s.append(delta.get("content").getAsString());
                    }
                }
            }
            return s.toString();
        }
    }

    static Events events(MvcResult r) {
        List<JsonObject> events = new ArrayList<>();
        boolean done = false;
        for (String block : text(r).split("\n\n")) {
            assertThat(block).startsWith("data: ");
            assertThat(done).as("nothing after [DONE]").isFalse();
            String data = block.substring(6);
            if (data.equals("[DONE]")) {
                done = true;
            } else {
                events.add(JsonParser.parseString(data).getAsJsonObject());
            }
        }
        return new Events(events, done);
    }

    @Test
    void answersAQuestionAboutAnImage() throws Exception {
        MvcResult r = chat(request("", dataUrl(png(64, 48, 1))));
        assertThat(r.getResponse().getStatus()).as(text(r)).isEqualTo(200);
        JsonObject body = json(r);
        assertThat(body.get("object").getAsString()).isEqualTo("chat.completion");
        assertThat(body.get("id").getAsString()).startsWith("chatcmpl-");
        assertThat(body.get("model").getAsString()).isEqualTo("tiny-internvl");
        assertThat(body.get("created").getAsLong()).isPositive();
        JsonObject choice = body.getAsJsonArray("choices").get(0).getAsJsonObject();
        assertThat(choice.get("index").getAsInt()).isZero();
        assertThat(choice.getAsJsonObject("message").get("role").getAsString()).isEqualTo("assistant");
        assertThat(choice.getAsJsonObject("message").get("content").getAsString()).isNotEmpty();
        // random weights never pick the stop token greedily: the answer runs to the limit
        assertThat(choice.get("finish_reason").getAsString()).isEqualTo("length");
        JsonObject usage = body.getAsJsonObject("usage");
        assertThat(usage.get("prompt_tokens").getAsInt()).isGreaterThan(256); // one tile and the text
        assertThat(usage.get("completion_tokens").getAsInt()).isEqualTo(Fixture.MAX_TOKENS);
        assertThat(usage.get("total_tokens").getAsInt()).isEqualTo(usage.get("prompt_tokens").getAsInt()
                + Fixture.MAX_TOKENS);
    }

    @Test
    void streamsChunksThatAddUpToTheAnswer() throws Exception {
        String image = dataUrl(png(64, 48, 2));
        String expected = json(chat(request("", image))).getAsJsonArray("choices").get(0).getAsJsonObject()
                .getAsJsonObject("message").get("content").getAsString();
        MvcResult r = chat(request("\"stream\":true,\"stream_options\":{\"include_usage\":true}", image));
        assertThat(r.getResponse().getStatus()).isEqualTo(200);
        assertThat(r.getResponse().getContentType()).startsWith("text/event-stream");
        Events e = events(r);
        assertThat(e.done()).isTrue();
        assertThat(e.content()).isEqualTo(expected);
        String id = e.events().get(0).get("id").getAsString();
        for (JsonObject chunk : e.events()) {
            assertThat(chunk.get("object").getAsString()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("id").getAsString()).isEqualTo(id);
            assertThat(chunk.get("model").getAsString()).isEqualTo("tiny-internvl");
        }
        JsonObject first = e.events().get(0).getAsJsonArray("choices").get(0).getAsJsonObject();
        assertThat(first.getAsJsonObject("delta").get("role").getAsString()).isEqualTo("assistant");
        // the last choice chunk has the finish reason, then the usage chunk with no choices
        List<JsonObject> all = e.events();
        JsonObject finish = all.get(all.size() - 2).getAsJsonArray("choices").get(0).getAsJsonObject();
        assertThat(finish.get("finish_reason").getAsString()).isEqualTo("length");
        for (JsonObject chunk : all.subList(0, all.size() - 2)) {
            assertThat(chunk.getAsJsonArray("choices").get(0).getAsJsonObject().get("finish_reason").isJsonNull())
                    .isTrue();
        }
        JsonObject last = all.get(all.size() - 1);
        assertThat(last.getAsJsonArray("choices")).isEmpty();
        assertThat(last.getAsJsonObject("usage").get("completion_tokens").getAsInt()).isEqualTo(Fixture.MAX_TOKENS);
        assertThat(last.getAsJsonObject("usage").get("prompt_tokens").getAsInt()).isGreaterThan(256);
    }

    @Test
    void aStreamWithoutUsageOptionEndsWithTheFinishChunk() throws Exception {
        Events e = events(chat(request("\"stream\":true,\"max_tokens\":2")));
        assertThat(e.done()).isTrue();
        JsonObject last = e.events().get(e.events().size() - 1);
        assertThat(last.has("usage")).isFalse();
        assertThat(last.getAsJsonArray("choices").get(0).getAsJsonObject().get("finish_reason").getAsString())
                .isEqualTo("length");
    }

    @Test
    void maxTokensAndMaxCompletionTokensLimitTheAnswer() throws Exception {
        assertThat(json(chat(request("\"max_tokens\":3"))).getAsJsonObject("usage").get("completion_tokens")
                .getAsInt()).isEqualTo(3);
        assertThat(json(chat(request("\"max_completion_tokens\":2,\"max_tokens\":5"))).getAsJsonObject("usage")
                .get("completion_tokens").getAsInt()).isEqualTo(2);
    }

    @Test
    void aStopSequenceEndsTheAnswerWithFinishReasonStop() throws Exception {
        String text = json(chat(request("\"max_tokens\":12"))).getAsJsonArray("choices").get(0).getAsJsonObject()
                .getAsJsonObject("message").get("content").getAsString();
        String stop = text.substring(text.length() / 2, text.length() / 2 + 1);
        JsonObject stopped = json(chat(request("\"max_tokens\":12,\"stop\":[" + new com.google.gson.JsonPrimitive(stop) + "]")));
        JsonObject choice = stopped.getAsJsonArray("choices").get(0).getAsJsonObject();
        assertThat(choice.get("finish_reason").getAsString()).isEqualTo("stop");
        assertThat(choice.getAsJsonObject("message").get("content").getAsString()).doesNotContain(stop)
                .isEqualTo(text.substring(0, text.indexOf(stop)).strip());
    }

    @Test
    void samplingWithASeedIsReproducible() throws Exception {
        String sampled = "\"temperature\":1.0,\"top_p\":0.95,\"seed\":";
        String a = json(chat(request(sampled + "7"))).toString();
        String b = json(chat(request(sampled + "7"))).toString();
        String c = json(chat(request(sampled + "8"))).toString();
        assertThat(content(a)).isEqualTo(content(b)).isNotEqualTo(content(c));
    }

    static String content(String completion) {
        return JsonParser.parseString(completion).getAsJsonObject().getAsJsonArray("choices").get(0)
                .getAsJsonObject().getAsJsonObject("message").get("content").getAsString();
    }

    @Test
    void systemAndEarlierTurnsArePartOfThePrompt() throws Exception {
        String plain = "{\"messages\":[{\"role\":\"user\",\"content\":\"And now?\"}]}";
        String withHistory = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"},{\"role\":\"assistant\",\"content\":\"Hi.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"And now?\"}]}]}";
        int a = json(chat(plain)).getAsJsonObject("usage").get("prompt_tokens").getAsInt();
        int b = json(chat(withHistory)).getAsJsonObject("usage").get("prompt_tokens").getAsInt();
        assertThat(b).isGreaterThan(a);
        // a system message replaces the checkpoint's (long) system prompt
        String withSystem = "{\"messages\":[{\"role\":\"developer\",\"content\":\"Answer briefly.\"},"
                + "{\"role\":\"user\",\"content\":\"And now?\"}]}";
        assertThat(json(chat(withSystem)).getAsJsonObject("usage").get("prompt_tokens").getAsInt()).isNotEqualTo(a);
    }

    @Test
    void listsTheModel() throws Exception {
        MvcResult r = mvc.perform(get("/v1/models")).andReturn();
        JsonObject body = json(r);
        assertThat(body.get("object").getAsString()).isEqualTo("list");
        JsonArray data = body.getAsJsonArray("data");
        assertThat(data).hasSize(1);
        assertThat(data.get(0).getAsJsonObject().get("id").getAsString()).isEqualTo("tiny-internvl");
        assertThat(data.get(0).getAsJsonObject().get("object").getAsString()).isEqualTo("model");
        assertThat(json(mvc.perform(get("/v1/models/tiny-internvl")).andReturn()).get("id").getAsString())
                .isEqualTo("tiny-internvl");
        assertError(mvc.perform(get("/v1/models/gpt-4o")).andReturn(), 404, "'gpt-4o' does not exist");
    }

    // --- errors -----------------------------------------------------------------------------------------------

    @Test
    void unknownModelIs404() throws Exception {
        JsonObject e = assertError(chat("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"),
                404, "The model 'gpt-4o' does not exist on this server; it serves 'tiny-internvl'");
        assertThat(e.get("code").getAsString()).isEqualTo("model_not_found");
        assertThat(e.get("param").getAsString()).isEqualTo("model");
    }

    @Test
    void malformedBodiesAre400() throws Exception {
        assertError(chat("{\"messages\":"), 400, "not valid JSON");
        assertError(chat("{messages: [{'role': 'user', 'content': 'Hi'}]}"), 400, "not valid JSON"); // strict JSON
        JsonObject twoValues = assertError(chat("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]} {}"),
                400, "not valid JSON: malformed JSON at line 1 column");
        assertThat(twoValues.get("message").getAsString()).doesNotContain("setStrictness").doesNotContain("http");
        assertError(chat("[1,2]"), 400, "must be a JSON object");
        assertError(chat(""), 400, "empty");
        assertError(chat("{}"), 400, "'messages' is required");
        assertError(chat("{\"messages\":[]}"), 400, "'messages' is required");
        assertError(chat("{\"messages\":[\"hi\"]}"), 400, "'messages[0]' must be an object");
        assertError(chat("{\"messages\":[{\"content\":\"hi\"}]}"), 400, "'messages[0].role' is required");
        assertError(chat("{\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}"), 400, "Unknown role 'robot'");
        assertError(chat("{\"messages\":[{\"role\":\"user\",\"content\":42}]}"), 400,
                "'messages[0].content' must be a string or an array");
        assertError(chat("{\"messages\":[{\"role\":\"assistant\",\"content\":\"hi\"}]}"), 400,
                "must start with a user message");
        assertError(chat("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}"), 400,
                "Content part type 'input_audio' is not supported");
    }

    @Test
    void unsupportedFeaturesAre400() throws Exception {
        assertError(chat(request("\"n\":2")), 400, "'n' must be 1");
        assertError(chat(request("\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]")), 400,
                "Tool calling is not supported");
        assertError(chat("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"tool\",\"content\":\"x\","
                + "\"tool_call_id\":\"1\"}]}"), 400, "'tool' messages are not supported");
        assertError(chat(request("\"logprobs\":true")), 400, "'logprobs' is not supported");
        assertError(chat(request("\"response_format\":{\"type\":\"json_object\"}")), 400,
                "response_format 'json_object' is not supported");
        assertError(chat(request("\"frequency_penalty\":0.5")), 400, "'frequency_penalty' is not supported");
        // zero penalties, like a null tool list and the text format, are accepted
        assertThat(chat(request("\"frequency_penalty\":0,\"presence_penalty\":0,\"tools\":[],\"max_tokens\":1,"
                + "\"response_format\":{\"type\":\"text\"},\"user\":\"u1\"")).getResponse().getStatus()).isEqualTo(200);
    }

    @Test
    void optionsOutOfRangeAre400() throws Exception {
        assertError(chat(request("\"max_tokens\":0")), 400, "'max_tokens' must be between 1 and");
        // a client cannot book the engine for 2^31 decode steps: the server's cap (spring.ai.internvl.web.max-tokens)
        assertError(chat(request("\"max_tokens\":2147483647")), 400, "'max_tokens' must be between 1 and "
                + ApiSettings.DEFAULT_MAX_TOKENS + ", got 2147483647");
        assertError(chat(request("\"max_completion_tokens\":" + (ApiSettings.DEFAULT_MAX_TOKENS + 1))), 400,
                "'max_completion_tokens' must be between 1 and " + ApiSettings.DEFAULT_MAX_TOKENS);
        assertError(chat(request("\"max_completion_tokens\":1.5")), 400, "'max_completion_tokens' must be an integer");
        // the engine's rules, under the request's names (a temperature above OpenAI's 2 is taken, as vLLM takes it)
        assertError(chat(request("\"temperature\":-1")), 400, "'temperature' must be a finite number >= 0");
        assertError(chat(request("\"temperature\":\"hot\"")), 400, "'temperature' must be a number");
        assertError(chat(request("\"top_p\":0")), 400, "'top_p' must be in (0, 1]");
        assertError(chat(request("\"top_k\":-1")), 400, "'top_k' must be >= 0");
        assertError(chat(request("\"repetition_penalty\":0")), 400, "'repetition_penalty' must be a finite number > 0");
        assertError(chat(request("\"stop\":[\"\"]")), 400, "'stop' must not hold empty strings, got ['']");
        assertError(chat(request("\"stop\":5")), 400, "'stop' must be a string or an array");
        assertError(chat(request("\"seed\":\"x\"")), 400, "'seed' must be an integer");
        assertError(chat(request("\"stream\":\"yes\"")), 400, "'stream' must be true or false");
        assertError(chat(request("\"max_tiles\":41")), 400, "'max_tiles' must be between 1 and 40");
    }

    @Test
    void badImagesAre400() throws Exception {
        assertError(chat(request("", "data:image/png;base64,not*base64")), 400, "is not valid base64");
        JsonObject e = assertError(chat(request("", "data:image/png;base64,"
                + java.util.Base64.getEncoder().encodeToString("just some text".getBytes()))), 400,
                "unsupported or unrecognized image format");
        assertThat(e.get("message").getAsString()).doesNotContain("Exception");
        assertError(chat(request("", "data:text/plain;base64,aGVsbG8=")), 400, "only images are read");
        assertError(chat(request("", "data:image/png,rawbytes")), 400, "not base64-encoded");
        assertError(chat(request("", "file:///etc/passwd")), 400, "must be a data: URL");
        assertError(chat(request("", "https://example.org/cat.png")), 400, "does not fetch image URLs");
        assertError(chat("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{}}]}]}"), 400, "'messages[0].content[0].image_url.url' is required");
    }

    @Test
    void aStreamedRequestWithABadImageIsAPlain400() throws Exception {
        MvcResult r = chat(request("\"stream\":true", "data:image/png;base64,"
                + java.util.Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2})));
        assertError(r, 400, "unsupported or unrecognized image format");
        // a PNG cut off after its header passes the header check, and fails in the engine, still before the stream
        byte[] png = png(64, 48, 3);
        r = chat(request("\"stream\":true", "data:image/png;base64,"
                + java.util.Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(png, png.length / 2))));
        assertError(r, 400, "cannot decode PNG image");
    }

    @Test
    void aPromptLongerThanTheContextIs400() throws Exception {
        String text = "hello ".repeat(33_000);
        assertError(chat("{\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}"), 400,
                "the model's context is 32768");
    }

    @Test
    void tooManyImagesIs400() throws Exception {
        String image = dataUrl(png(32, 32, 0));
        JsonObject e = assertError(chat(request("", image, image, image)), 400,
                "Too many images: this server accepts at most 2 per request");
        assertThat(e.get("code").getAsString()).isEqualTo("too_many_images");
    }

    @Test
    void imagesWithTooManyPixelsAreRefusedBeforeDecoding() throws Exception {
        MockMvc small = Fixture.mvc(ApiSettings.builder().maxImagePixels(1000).build());
        MvcResult r = small.perform(org.springframework.test.web.servlet.request.MockMvcRequestBuilders
                .post("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .content(request("", dataUrl(png(64, 48, 0))))).andReturn();
        assertError(r, 400, "is 64x48 pixels, more than the 1000 pixels this server accepts");
    }

    @Test
    void aGifsLogicalScreenCountsAgainstThePixelLimitOnTheChatPathToo() throws Exception {
        // 43 bytes: a 13000x13000 logical screen around a 1x1 frame; decoding it would allocate the whole screen.
        byte[] gif = {'G', 'I', 'F', '8', '9', 'a', (byte) 0xC8, 0x32, (byte) 0xC8, 0x32, (byte) 0x80, 0, 0,
                0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0, 0x3B};
        JsonObject e = assertError(chat(request("", "data:image/gif;base64,"
                + java.util.Base64.getEncoder().encodeToString(gif))), 400,
                "is 13000x13000 pixels, more than the " + ApiSettings.DEFAULT_MAX_IMAGE_PIXELS);
        assertThat(e.get("code").getAsString()).isEqualTo("image_too_large");
    }

    @Test
    void otherContentTypesAre415() throws Exception {
        MvcResult r = mvc.perform(post("/v1/chat/completions").contentType(MediaType.TEXT_PLAIN)
                .content("hello")).andReturn();
        assertError(r, 415, "Content-Type 'text/plain' is not supported here");
    }
}
