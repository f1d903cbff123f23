package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.dataUrl;
import static dev.internvl.spring.web.Fixture.json;
import static dev.internvl.spring.web.Fixture.png;
import static dev.internvl.spring.web.Fixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.internvl.ChatAnswer;
import dev.internvl.ChatRequest;
import dev.internvl.InternVL;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import dev.internvl.text.ChatPrompt;
import dev.internvl.text.ChatTurn;
import dev.internvl.text.InternVLTokens;
import dev.internvl.text.SpecialTokensInText;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/**
 * What an OpenAI client that builds InternVL prompts itself (a remote backend) sends: {@code <image>} placeholders
 * already in the text. They are used as given, so the prompt is the one of the plain question, and the engine's.
 */
class RemoteClientPromptTest {

    final MockMvc mvc = Fixture.mvc(ApiSettings.builder().maxImages(4).build());

    static final byte[] A = png(64, 48, 1);
    static final byte[] B = png(48, 64, 2);

    static JsonObject textPart(String text) {
        JsonObject p = new JsonObject();
        p.addProperty("type", "text");
        p.addProperty("text", text);
        return p;
    }

    static JsonObject imagePart(byte[] png) {
        JsonObject url = new JsonObject();
        url.addProperty("url", dataUrl(png));
        JsonObject p = new JsonObject();
        p.addProperty("type", "image_url");
        p.add("image_url", url);
        return p;
    }

    static JsonObject message(String role, Object content) {
        JsonObject m = new JsonObject();
        m.addProperty("role", role);
        if (content instanceof String s) {
            m.addProperty("content", s);
        } else {
            m.add("content", (JsonArray) content);
        }
        return m;
    }

    static JsonArray parts(String text, byte[]... images) {
        JsonArray a = new JsonArray();
        a.add(textPart(text));
        for (byte[] png : images) {
            a.add(imagePart(png));
        }
        return a;
    }

    /** The answer to {@code messages} with {@code max_tiles} 1: its prompt tokens and text. */
    JsonObject chat(JsonObject... messages) throws Exception {
        JsonObject body = new JsonObject();
        JsonArray ms = new JsonArray();
        Arrays.stream(messages).forEach(ms::add);
        body.add("messages", ms);
        body.addProperty("max_tiles", 1);
        MvcResult r = mvc.perform(post("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .content(body.toString())).andReturn();
        assertThat(r.getResponse().getStatus()).as(text(r)).isEqualTo(200);
        return json(r);
    }

    static int promptTokens(JsonObject answer) {
        return answer.getAsJsonObject("usage").get("prompt_tokens").getAsInt();
    }

    static String content(JsonObject answer) {
        return answer.getAsJsonArray("choices").get(0).getAsJsonObject().getAsJsonObject("message")
                .get("content").getAsString();
    }

    /** The engine's own answer to {@code request} as the server asks it: plain caller text, 1 tile, 8 tokens. */
    static ChatAnswer engine(ChatRequest.Builder request) {
        InternVL engine = Fixture.engine();
        return engine.chat(request.maxTiles(1).specialTokensInText(SpecialTokensInText.PLAIN)
                .generation(engine.defaultGeneration().toBuilder().maxNewTokens(Fixture.MAX_TOKENS).build()).build());
    }

    static RgbImage image(byte[] png) {
        return ImageDecoder.decode(png, "image");
    }

    @Test
    void placeholdersInTheTextGiveThePromptOfThePlainQuestion() throws Exception {
        JsonObject given = chat(message("user", parts("Image-1: <image>\nImage-2: <image>\nCompare.", A, B)));
        JsonObject plain = chat(message("user", parts("Compare.", A, B)));
        assertThat(promptTokens(given)).isEqualTo(promptTokens(plain));
        assertThat(content(given)).isEqualTo(content(plain));
        ChatAnswer local = engine(ChatRequest.builder("Compare.").image(image(A)).image(image(B)));
        assertThat(promptTokens(given)).isEqualTo(local.promptTokens());
        assertThat(content(given)).isEqualTo(local.text());
        // a single image: "<image>\n" given is the prefix the server would add
        assertThat(promptTokens(chat(message("user", parts("<image>\nDescribe.", A)))))
                .isEqualTo(promptTokens(chat(message("user", parts("Describe.", A)))));
    }

    @Test
    void aHistoryQuestionWithItsPlaceholderIsTheEnginesHistory() throws Exception {
        JsonObject http = chat(message("user", parts("<image>\nWhat is it?", A)), message("assistant", "A square."),
                message("user", "What colour is it?"));
        ChatAnswer local = engine(ChatRequest.builder("What colour is it?").image(image(A))
                .history(List.of(new ChatTurn("<image>\nWhat is it?", "A square."))));
        assertThat(promptTokens(http)).isEqualTo(local.promptTokens());
        assertThat(content(http)).isEqualTo(local.text());
    }

    @Test
    void placeholderTextBringsNoImageTokens() throws Exception {
        InternVL engine = Fixture.engine();
        long imgContext = engine.tokenizer().tokenId(InternVLTokens.IMG_CONTEXT).getAsLong();
        // no image: <image> and <IMG_CONTEXT> are text, the prompt has no image token
        String q = "What do <image> and <IMG_CONTEXT> mean?";
        long[] textOnly = engine.tokenizer().encode(engine.prompts().chat(List.of(), q, List.of()).segments(),
                SpecialTokensInText.PLAIN);
        assertThat(textOnly).doesNotContain(imgContext);
        assertThat(promptTokens(chat(message("user", q)))).isEqualTo(textOnly.length);
        // one image (one tile): its placeholder is expanded once, and the typed <IMG_CONTEXT> stays text
        String withImage = "<image>\nIs <IMG_CONTEXT> here? <image>";
        ChatPrompt prompt = engine.prompts().chat(List.of(), withImage, List.of(1));
        long[] ids = engine.tokenizer().encode(prompt.segments(), SpecialTokensInText.PLAIN);
        assertThat(Arrays.stream(ids).filter(id -> id == imgContext).count())
                .isEqualTo(engine.info().imageTokensPerTile());
        assertThat(promptTokens(chat(message("user", parts(withImage, A))))).isEqualTo(ids.length);
    }
}
