package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.json;
import static dev.internvl.spring.web.Fixture.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/** {@link ApiSettings#servedModelNames()}: the names every endpoint answers to, the first the one it reports. */
class ServedModelNamesTest {

    static final List<String> NAMES = List.of("internvl", "gpt-4o-mini");

    final MockMvc mvc = Fixture.mvc(ApiSettings.builder().servedModelNames(NAMES).build(),
            new VisionEndpointsTest.Scripted());

    MvcResult postJson(String path, String body) throws Exception {
        return mvc.perform(post(path).contentType(MediaType.APPLICATION_JSON).content(body)).andReturn();
    }

    static String chat(String model) {
        return "{" + (model == null ? "" : "\"model\":\"" + model + "\",")
                + "\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    }

    static String image() {
        return "\"image\":\"" + Base64.getEncoder().encodeToString(png(16, 16, 0)) + "\"";
    }

    static void assertNotServed(MvcResult r, String name) {
        JsonObject e = assertError(r, 404, "The model '" + name + "' does not exist on this server; it serves "
                + "'internvl', 'gpt-4o-mini'");
        assertThat(e.get("code").getAsString()).isEqualTo("model_not_found");
    }

    @Test
    void theModelsListTheFirstNameAndAnswerForEach() throws Exception {
        JsonArray data = json(mvc.perform(get("/v1/models")).andReturn()).getAsJsonArray("data");
        assertThat(data).hasSize(1);
        assertThat(data.get(0).getAsJsonObject().get("id").getAsString()).isEqualTo("internvl");
        for (String name : NAMES) {
            MvcResult r = mvc.perform(get("/v1/models/" + name)).andReturn();
            assertThat(r.getResponse().getStatus()).as(Fixture.text(r)).isEqualTo(200);
            assertThat(json(r).get("id").getAsString()).isEqualTo(name);
        }
        // the checkpoint's own id is not one of them any more
        assertNotServed(mvc.perform(get("/v1/models/" + Fixture.MODEL)).andReturn(), Fixture.MODEL);
    }

    @Test
    void aChatCompletionMayNameAnyAndCarriesTheFirst() throws Exception {
        for (String name : Arrays.asList("gpt-4o-mini", "internvl", null)) {
            MvcResult r = postJson("/v1/chat/completions", chat(name));
            assertThat(r.getResponse().getStatus()).as(Fixture.text(r)).isEqualTo(200);
            assertThat(json(r).get("model").getAsString()).isEqualTo("internvl");
        }
        assertNotServed(postJson("/v1/chat/completions", chat(Fixture.MODEL)), Fixture.MODEL);
        assertNotServed(postJson("/v1/chat/completions", chat("gpt-4o")), "gpt-4o");
    }

    @Test
    void groundingAndOcrMayNameAnyAndCarryTheFirst() throws Exception {
        MvcResult grounded = postJson("/v1/grounding", "{\"model\":\"gpt-4o-mini\"," + image()
                + ",\"phrase\":\"the red square\"}");
        assertThat(grounded.getResponse().getStatus()).as(Fixture.text(grounded)).isEqualTo(200);
        assertThat(json(grounded).get("model").getAsString()).isEqualTo("internvl");
        MvcResult read = postJson("/v1/ocr", "{\"model\":\"gpt-4o-mini\"," + image() + "}");
        assertThat(read.getResponse().getStatus()).as(Fixture.text(read)).isEqualTo(200);
        assertThat(json(read).get("model").getAsString()).isEqualTo("internvl");
        assertNotServed(postJson("/v1/grounding", "{\"model\":\"" + Fixture.MODEL + "\"," + image()
                + ",\"phrase\":\"the red square\"}"), Fixture.MODEL);
        assertNotServed(postJson("/v1/ocr", "{\"model\":\"other\"," + image() + "}"), "other");
    }

    @Test
    void theSettingsKeepTheNamesInOrderAndRefuseBlanks() {
        ApiSettings s = ApiSettings.builder().servedModelNames(List.of(" internvl ", "gpt-4o-mini", "internvl"))
                .build();
        assertThat(s.servedModelNames()).containsExactly("internvl", "gpt-4o-mini");
        assertThat(s.modelNames("tiny-internvl")).containsExactly("internvl", "gpt-4o-mini");
        assertThat(s.toBuilder().build().servedModelNames()).containsExactly("internvl", "gpt-4o-mini");
        assertThat(s.toString()).contains("servedModelNames=[internvl, gpt-4o-mini]");
        // by default: the model's id alone
        assertThat(ApiSettings.defaults().servedModelNames()).isEmpty();
        assertThat(ApiSettings.defaults().modelNames("tiny-internvl")).containsExactly("tiny-internvl");
        assertThatThrownBy(() -> ApiSettings.builder().servedModelNames(List.of("internvl", " ")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be blank");
        assertThatThrownBy(() -> ApiSettings.builder().servedModelNames(Arrays.asList("internvl", null)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be blank");
    }
}
