package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.dataUrl;
import static dev.internvl.spring.web.Fixture.json;
import static dev.internvl.spring.web.Fixture.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.internvl.ChatListener;
import dev.internvl.grounding.GroundingParser;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/**
 * {@code /v1/grounding} and {@code /v1/ocr}: JSON and multipart requests on the real path (VisionTasks on the tiny
 * checkpoint), the JSON of known model answers (a stand-in VisionService), and every refusal.
 */
class VisionEndpointsTest {

    static final ApiSettings SETTINGS = ApiSettings.builder().maxPhrases(3).build();

    final MockMvc mvc = Fixture.mvc(SETTINGS);

    /** Answers as a model would, fixed text, read by the real parser; records what it was asked. */
    static class Scripted implements VisionService {
        final List<String> calls = new ArrayList<>();
        String grounding = "<ref>the red square</ref><box>[[333, 250, 500, 500]]</box>";
        String ocr = "```\nTotal: 12.50\nDate: 2024-05-01\n\nThank you\n```";

        @Override
        public GroundingResult ground(RgbImage image, String phrase, boolean all, Integer maxTiles,
                ChatListener listener) {
            calls.add("ground " + phrase + " all=" + all + " tiles=" + maxTiles);
            return GroundingParser.parse(grounding, image.width(), image.height());
        }

        @Override
        public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles, ChatListener listener) {
            calls.add("ocr keyValues=" + keyValues + " tiles=" + maxTiles);
            return OcrResult.of(ocr);
        }
    }

    MvcResult postJson(MockMvc m, String path, String body) throws Exception {
        return m.perform(post(path).contentType(MediaType.APPLICATION_JSON).content(body)).andReturn();
    }

    MvcResult multipart(MockMvc m, String path, Fixture.Multipart body) throws Exception {
        return m.perform(body.request(path)).andReturn();
    }

    static String base64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    // --- the real path --------------------------------------------------------------------------------------

    @Test
    void groundsAPhraseFromJsonOnTheModel() throws Exception {
        MvcResult r = postJson(mvc, "/v1/grounding", "{\"image\":\"" + base64(png(64, 48, 1)) + "\",\"phrase\":\"the red "
                + "square\",\"model\":\"tiny-internvl\"}");
        assertThat(r.getResponse().getStatus()).as(Fixture.text(r)).isEqualTo(200);
        JsonObject body = json(r);
        assertThat(body.get("model").getAsString()).isEqualTo("tiny-internvl");
        assertThat(body.getAsJsonObject("image").get("width").getAsInt()).isEqualTo(64);
        assertThat(body.getAsJsonObject("image").get("height").getAsInt()).isEqualTo(48);
        JsonObject result = body.getAsJsonArray("results").get(0).getAsJsonObject();
        assertThat(result.get("phrase").getAsString()).isEqualTo("the red square");
        assertThat(result.get("refs").isJsonArray()).isTrue(); // random weights: boxes are whatever it wrote
        String raw = result.get("raw").getAsString();
        assertThat(raw).isNotEmpty();
        // exactly what the parser makes of the model's answer
        GroundingResult parsed = GroundingParser.parse(raw, 64, 48);
        assertThat(result.getAsJsonArray("refs")).hasSize(parsed.refs().size());
    }

    @Test
    void groundsPhrasesFromMultipartOnTheModel() throws Exception {
        MvcResult r = multipart(mvc, "/v1/grounding", new Fixture.Multipart()
                .file("image", "photo.png", "image/png", png(64, 48, 2))
                .field("phrase", "the red square").field("phrase", "the background").field("all", "true"));
        assertThat(r.getResponse().getStatus()).as(Fixture.text(r)).isEqualTo(200);
        JsonArray results = json(r).getAsJsonArray("results");
        assertThat(results).hasSize(2);
        assertThat(results.get(1).getAsJsonObject().get("phrase").getAsString()).isEqualTo("the background");
    }

    @Test
    void readsTextFromJsonAndMultipartOnTheModel() throws Exception {
        MvcResult a = postJson(mvc, "/v1/ocr", "{\"image\":\"" + dataUrl(png(64, 48, 3)) + "\"}");
        assertThat(a.getResponse().getStatus()).as(Fixture.text(a)).isEqualTo(200);
        JsonObject body = json(a);
        assertThat(body.get("text").isJsonPrimitive()).isTrue();
        assertThat(body.get("lines").isJsonArray()).isTrue();
        assertThat(body.get("raw").getAsString()).isNotEmpty();
        assertThat(body.has("fields")).isFalse();
        assertThat(OcrResult.of(body.get("raw").getAsString()).text()).isEqualTo(body.get("text").getAsString());
        MvcResult b = multipart(mvc, "/v1/ocr", new Fixture.Multipart()
                .file("image", "scan.png", "image/png", png(64, 48, 3)));
        assertThat(b.getResponse().getStatus()).isEqualTo(200);
        assertThat(json(b).get("raw").getAsString()).isEqualTo(body.get("raw").getAsString()); // greedy: same answer
    }

    // --- the JSON of known answers ---------------------------------------------------------------------------

    @Test
    void boxesAreInPixelsOfTheImageWithTheRawNumbers() throws Exception {
        Scripted scripted = new Scripted();
        scripted.grounding = "Here: <ref>the red square</ref><box>[[333, 250, 500, 500]]</box> and "
                + "<ref>two cats</ref><box>[[0, 0, 100, 1000], [900.5, 10, 1000, 20]]</box>";
        MockMvc m = Fixture.mvc(SETTINGS, scripted);
        MvcResult r = multipart(m, "/v1/grounding", new Fixture.Multipart()
                .file("image", "p.png", "image/png", png(640, 480, 0)).field("phrase", "  the red square ")
                .field("max_tiles", "2"));
        JsonObject result = json(r).getAsJsonArray("results").get(0).getAsJsonObject();
        assertThat(scripted.calls).containsExactly("ground the red square all=false tiles=2");
        assertThat(result.get("phrase").getAsString()).isEqualTo("the red square");
        JsonArray refs = result.getAsJsonArray("refs");
        assertThat(refs).hasSize(2);
        assertThat(refs.get(0).toString()).isEqualTo("{\"label\":\"the red square\",\"boxes\":[{\"x1\":213.12,"
                + "\"y1\":120,\"x2\":320,\"y2\":240,\"raw\":[333,250,500,500]}]}");
        assertThat(refs.get(1).toString()).isEqualTo("{\"label\":\"two cats\",\"boxes\":[{\"x1\":0,\"y1\":0,"
                + "\"x2\":64,\"y2\":480,\"raw\":[0,0,100,1000]},{\"x1\":576.32,\"y1\":4.8,\"x2\":640,\"y2\":9.6,"
                + "\"raw\":[900.5,10,1000,20]}]}");
        assertThat(result.get("raw").getAsString()).isEqualTo(scripted.grounding);
    }

    @Test
    void anAnswerWithoutBoxesGivesNoRefs() throws Exception {
        Scripted scripted = new Scripted();
        scripted.grounding = "I cannot see that.";
        MvcResult r = postJson(Fixture.mvc(SETTINGS, scripted), "/v1/grounding", "{\"image\":\"" + base64(png(8, 8, 0))
                + "\",\"phrases\":[\"a\",\"b\",\"a\"],\"all\":true}");
        JsonArray results = json(r).getAsJsonArray("results");
        assertThat(results).hasSize(2); // duplicates dropped
        assertThat(results.get(0).getAsJsonObject().getAsJsonArray("refs")).isEmpty();
        assertThat(scripted.calls).containsExactly("ground a all=true tiles=null", "ground b all=true tiles=null");
    }

    @Test
    void ocrJsonHasTextLinesAndOnRequestFields() throws Exception {
        Scripted scripted = new Scripted();
        MockMvc m = Fixture.mvc(SETTINGS, scripted);
        JsonObject plain = json(postJson(m, "/v1/ocr", "{\"image\":\"" + base64(png(8, 8, 0)) + "\"}"));
        assertThat(plain.get("text").getAsString()).isEqualTo("Total: 12.50\nDate: 2024-05-01\n\nThank you");
        assertThat(plain.getAsJsonArray("lines").toString())
                .isEqualTo("[\"Total: 12.50\",\"Date: 2024-05-01\",\"Thank you\"]");
        assertThat(plain.has("fields")).isFalse();
        JsonObject fields = json(multipart(m, "/v1/ocr", new Fixture.Multipart()
                .file("image", "r.png", "image/png", png(8, 8, 0)).field("key_values", "true")));
        assertThat(fields.getAsJsonObject("fields").toString())
                .isEqualTo("{\"Total\":\"12.50\",\"Date\":\"2024-05-01\"}");
        assertThat(scripted.calls).containsExactly("ocr keyValues=false tiles=null", "ocr keyValues=true tiles=null");
    }

    @Test
    void anImageFieldMayBeBase64TextInMultipart() throws Exception {
        Scripted scripted = new Scripted();
        MvcResult r = multipart(Fixture.mvc(SETTINGS, scripted), "/v1/ocr", new Fixture.Multipart()
                .field("image", dataUrl(png(10, 6, 0))));
        assertThat(r.getResponse().getStatus()).isEqualTo(200);
        assertThat(json(r).getAsJsonObject("image").get("width").getAsInt()).isEqualTo(10);
    }

    // --- refusals ---------------------------------------------------------------------------------------------

    @Test
    void noImageIs400() throws Exception {
        MockMvc m = Fixture.mvc(SETTINGS, new Scripted());
        assertThat(assertError(postJson(m, "/v1/grounding", "{\"phrase\":\"cat\"}"), 400, "No image").get("code")
                .getAsString()).isEqualTo("missing_image");
        assertError(postJson(m, "/v1/ocr", "{\"image\":\"\"}"), 400, "No image");
        assertError(multipart(m, "/v1/ocr", new Fixture.Multipart().field("key_values", "true")), 400,
                "No image: send it as the file part 'image'");
    }

    @Test
    void moreThanOneImageIs400() throws Exception {
        MockMvc m = Fixture.mvc(SETTINGS, new Scripted());
        assertError(multipart(m, "/v1/ocr", new Fixture.Multipart()
                .file("image", "a.png", "image/png", png(8, 8, 0))
                .file("image", "b.png", "image/png", png(8, 8, 1))), 400, "Send one image per request; got 2");
        assertError(postJson(m, "/v1/ocr", "{\"images\":[\"a\",\"b\"]}"), 400, "Send one image");
    }

    @Test
    void unreadableImagesAre400() throws Exception {
        MockMvc m = Fixture.mvc(SETTINGS, new Scripted());
        assertError(postJson(m, "/v1/ocr", "{\"image\":\"%%%\"}"), 400, "'image' is not valid base64");
        assertError(postJson(m, "/v1/ocr", "{\"image\":\"" + base64("hello".getBytes()) + "\"}"), 400,
                "unsupported or unrecognized image format");
        byte[] png = png(64, 48, 0);
        assertError(multipart(m, "/v1/ocr", new Fixture.Multipart()
                .file("image", "cut.png", "image/png", java.util.Arrays.copyOf(png, png.length / 2))), 400,
                "cannot decode PNG image");
        assertError(multipart(m, "/v1/ocr", new Fixture.Multipart()
                .file("image", "notes.txt", "text/plain", "hello".getBytes())), 400, "The 'image' part has type");
        assertError(postJson(m, "/v1/ocr", "{\"image\":\"https://example.org/a.png\"}"), 400,
                "does not fetch image URLs");
    }

    @Test
    void imagesWithTooManyPixelsAre400() throws Exception {
        MockMvc m = Fixture.mvc(ApiSettings.builder().maxImagePixels(100).build(), new Scripted());
        assertError(postJson(m, "/v1/ocr", "{\"image\":\"" + base64(png(20, 10, 0)) + "\"}"), 400,
                "is 20x10 pixels, more than the 100 pixels this server accepts");
    }

    @Test
    void phrasesAreChecked() throws Exception {
        Scripted scripted = new Scripted();
        MockMvc m = Fixture.mvc(SETTINGS, scripted);
        String image = "\"image\":\"" + base64(png(8, 8, 0)) + "\"";
        assertError(postJson(m, "/v1/grounding", "{" + image + "}"), 400, "No phrase");
        assertError(postJson(m, "/v1/grounding", "{" + image + ",\"phrase\":\"  \"}"), 400, "No phrase");
        assertError(postJson(m, "/v1/grounding", "{" + image + ",\"phrases\":[\"a\",\"b\",\"c\",\"d\"]}"), 400,
                "Too many phrases: 4; this server grounds at most 3 per request");
        assertError(postJson(m, "/v1/grounding", "{" + image + ",\"phrases\":[\"a\",\"<ref>b</ref>\"]}"), 400,
                "must not contain <ref>");
        assertError(postJson(m, "/v1/grounding", "{" + image + ",\"phrase\":{\"x\":1}}"), 400,
                "'phrase' must be a string");
        assertError(postJson(m, "/v1/grounding", "{" + image + ",\"phrase\":\"" + "x".repeat(1001) + "\"}"), 400,
                "longer than 1000 characters");
        assertError(postJson(m, "/v1/grounding", "{" + image + ",\"phrase\":\"a\",\"all\":\"maybe\"}"), 400,
                "'all' must be true or false");
        assertError(postJson(m, "/v1/grounding", "{" + image + ",\"phrase\":\"a\",\"max_tiles\":0}"), 400,
                "'max_tiles' must be between 1 and 40, got '0'");
        assertThat(scripted.calls).isEmpty();
    }

    @Test
    void unknownModelIs404() throws Exception {
        MockMvc m = Fixture.mvc(SETTINGS, new Scripted());
        assertError(postJson(m, "/v1/ocr", "{\"model\":\"other\",\"image\":\"" + base64(png(8, 8, 0)) + "\"}"), 404,
                "The model 'other' does not exist");
        assertError(multipart(m, "/v1/grounding", new Fixture.Multipart().field("model", "other")
                .file("image", "a.png", "image/png", png(8, 8, 0)).field("phrase", "x")), 404, "'other'");
    }

    @Test
    void otherContentTypesAre415() throws Exception {
        MockMvc m = Fixture.mvc(SETTINGS, new Scripted());
        assertError(m.perform(post("/v1/ocr").contentType(MediaType.APPLICATION_FORM_URLENCODED).content("image=x"))
                .andReturn(), 415, "send application/json or multipart/form-data");
        assertError(m.perform(post("/v1/ocr").contentType("multipart/mixed; boundary=x").content("--x--"))
                .andReturn(), 415, "multipart/mixed");
        // malformed multipart bodies, which the servlet container reads: MultipartBodyTest
    }

    @Test
    void aRefusalOtherThanTheEnginesIs503WithoutDetails() throws Exception {
        VisionService refusing = new Scripted() {
            @Override
            public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles, ChatListener listener) {
                throw new RejectedExecutionException("Task dev.internvl.Secret@1f rejected from "
                        + "java.util.concurrent.ThreadPoolExecutor@2a[Running, pool size = 4]");
            }
        };
        MvcResult r = postJson(Fixture.mvc(SETTINGS, refusing), "/v1/ocr", "{\"image\":\"" + base64(png(8, 8, 0))
                + "\"}");
        JsonObject e = assertError(r, 503, "The server is busy; try again later");
        assertThat(e.get("code").getAsString()).isEqualTo("server_busy");
        assertThat(r.getResponse().getHeader("Retry-After")).isEqualTo("1");
        assertThat(Fixture.text(r)).doesNotContain("Secret").doesNotContain("ThreadPoolExecutor");
    }

    @Test
    void failuresOfTheModelAre500WithoutDetails() throws Exception {
        VisionService broken = new Scripted() {
            @Override
            public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles, ChatListener listener) {
                throw new IllegalStateException("CUDA out of memory at /secret/path/model.safetensors");
            }
        };
        MvcResult r = postJson(Fixture.mvc(SETTINGS, broken), "/v1/ocr", "{\"image\":\"" + base64(png(8, 8, 0)) + "\"}");
        JsonObject e = assertError(r, 500, "The server failed to process the request (error id ");
        assertThat(Fixture.text(r)).doesNotContain("secret").doesNotContain("IllegalStateException")
                .doesNotContain("at dev.internvl");
        assertThat(e.get("type").getAsString()).isEqualTo("server_error");
    }
}
