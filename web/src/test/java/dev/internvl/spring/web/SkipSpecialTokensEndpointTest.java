package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.dataUrl;
import static dev.internvl.spring.web.Fixture.json;
import static dev.internvl.spring.web.Fixture.png;
import static dev.internvl.spring.web.Fixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.google.gson.JsonPrimitive;
import dev.internvl.ChatAnswer;
import dev.internvl.ChatEngine;
import dev.internvl.ChatListener;
import dev.internvl.ChatRequest;
import dev.internvl.EngineStats;
import dev.internvl.FinishReason;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.ModelInfo;
import dev.internvl.grounding.GroundingPrompts;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.VisionTaskOptions;
import dev.internvl.grounding.VisionTasks;
import dev.internvl.image.ImageDecoder;
import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.spring.ai.InternVLChatOptions;
import dev.internvl.text.SpecialTokensInText;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/**
 * vLLM's {@code skip_special_tokens} (default true) and {@code spaces_between_special_tokens} (accepted; this engine
 * never spaces special tokens) in {@code /v1/chat/completions}: false keeps the {@code <ref>}/{@code <box>} markers
 * a grounding answer needs, as {@link VisionTasks} gets them locally.
 */
class SkipSpecialTokensEndpointTest {

    static final String MARKED = "<ref>cat</ref><box>[[1, 2, 3, 4]]</box>";

    /**
     * The tiny engine, except that every answer is {@link #MARKED}'s tokens, decoded as the request's generation
     * options say (the random weights never generate a special token); the requests are kept.
     */
    static final class MarkedAnswers implements ChatEngine {
        final InternVL engine = Fixture.engine();
        final List<ChatRequest> requests = new ArrayList<>();

        @Override
        public synchronized ChatAnswer chat(ChatRequest request, ChatListener listener) {
            requests.add(request);
            long[] ids = engine.tokenizer().encode(MARKED);
            String text = engine.tokenizer().decode(ids, request.generation().skipSpecialTokens());
            listener.onText(text);
            return new ChatAnswer(text, FinishReason.STOP, 1, ids.length + 1, ids, List.of());
        }

        @Override
        public void precheck(List<ImageDecoder.Header> imageSizes, Integer maxTiles, Boolean thumbnail) {
        }

        @Override
        public EngineStats stats() {
            return engine.stats();
        }

        @Override
        public ModelInfo info() {
            return engine.info();
        }

        @Override
        public String modelName() {
            return engine.modelName();
        }

        @Override
        public GenerationOptions defaultGeneration() {
            return engine.defaultGeneration();
        }

        @Override
        public Optional<String> addedTokenIn(String text) {
            return engine.addedTokenIn(text);
        }

        @Override
        public void close() {
        }
    }

    static String body(String question, String extra) {
        String image = "{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + dataUrl(png(64, 48, 1)) + "\"}}";
        return "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                + new JsonPrimitive(question) + "}," + image + "]}]" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    static MvcResult send(MockMvc mvc, String body) throws Exception {
        return mvc.perform(post("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON).content(body))
                .andReturn();
    }

    static String content(MvcResult r) {
        assertThat(r.getResponse().getStatus()).as(text(r)).isEqualTo(200);
        return json(r).getAsJsonArray("choices").get(0).getAsJsonObject().getAsJsonObject("message")
                .get("content").getAsString();
    }

    @Test
    void falseKeepsTheMarkersTrueAndUnsetDropThem() throws Exception {
        MarkedAnswers engine = new MarkedAnswers();
        ApiSettings settings = ApiSettings.defaults();
        MockMvc mvc = Fixture.mvc(settings, new ChatCompletionsController(InternVLChatModel.builder(engine)
                .defaultOptions(InternVLChatOptions.builder().maxTokens(Fixture.MAX_TOKENS).build()).build(),
                settings));
        String q = "Where is the cat?";
        assertThat(content(send(mvc, body(q, "")))).isEqualTo("cat[[1, 2, 3, 4]]");
        assertThat(engine.requests.get(0).generation().skipSpecialTokens()).isTrue();
        assertThat(content(send(mvc, body(q, "\"skip_special_tokens\":true")))).isEqualTo("cat[[1, 2, 3, 4]]");
        assertThat(content(send(mvc, body(q, "\"skip_special_tokens\":false")))).isEqualTo(MARKED);
        assertThat(engine.requests.get(2).generation().skipSpecialTokens()).isFalse();
        // streamed too
        MvcResult stream = send(mvc, body(q, "\"skip_special_tokens\":false,\"stream\":true"));
        assertThat(ChatCompletionsEndpointTest.events(stream).content()).isEqualTo(MARKED);
        // spaces_between_special_tokens: accepted either way, the text is never spaced
        assertThat(content(send(mvc, body(q, "\"skip_special_tokens\":false,\"spaces_between_special_tokens\":true"))))
                .isEqualTo(MARKED);
        assertThat(content(send(mvc, body(q,
                "\"skip_special_tokens\":false,\"spaces_between_special_tokens\":false")))).isEqualTo(MARKED);
        assertError(send(mvc, body(q, "\"skip_special_tokens\":\"no\"")), 400, "skip_special_tokens");
        assertError(send(mvc, body(q, "\"spaces_between_special_tokens\":\"sometimes\"")), 400, "spaces_between_special_tokens");
    }

    @Test
    void aGroundingAnswerOverHttpIsVisionTasksRawAnswer() throws Exception {
        // the grounding prompt's <ref> must be a token, as VisionTasks asks it: the reference setting
        MockMvc mvc = Fixture.mvc(ApiSettings.builder().specialTokensInText(SpecialTokensInText.REFERENCE).build());
        String question = GroundingPrompts.locate("the red car");
        GroundingResult local = VisionTasks.groundWith(Fixture.engine(), ImageDecoder.decode(png(64, 48, 1), "image"),
                question, VisionTaskOptions.defaults().withGeneration(GenerationOptions.builder()
                        .maxNewTokens(Fixture.MAX_TOKENS).build()));
        MvcResult r = send(mvc, body(question, "\"skip_special_tokens\":false"));
        assertThat(content(r)).isEqualTo(local.raw());
        ChatAnswer engineAnswer = Fixture.engine().chat(ChatRequest.builder(question)
                .image(ImageDecoder.decode(png(64, 48, 1), "image"))
                .generation(GenerationOptions.builder().maxNewTokens(Fixture.MAX_TOKENS).skipSpecialTokens(false)
                        .build()).build());
        assertThat(json(r).getAsJsonObject("usage").get("prompt_tokens").getAsInt())
                .isEqualTo(engineAnswer.promptTokens());
    }
}
