package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.internvl.ChatListener;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/** CORS of the API filter: preflights, headers on answers and errors, refused origins, and none when off. */
class CorsTest {

    static final String APP = "https://app.example.com";
    static final String OCR = "{\"image\":\"" + Base64.getEncoder().encodeToString(png(8, 8, 0)) + "\"}";

    static final ApiSettings CORS = ApiSettings.builder().allowedOrigins(List.of(APP, "http://localhost:5173"))
            .build();

    static MockHttpServletRequestBuilder preflight(String path, String origin) {
        return options(path).header("Origin", origin).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization, content-type, x-stainless-os");
    }

    static MockHttpServletRequestBuilder postOcr(String origin) {
        return post("/v1/ocr").header("Origin", origin).contentType(MediaType.APPLICATION_JSON).content(OCR);
    }

    static void assertAllowed(MockHttpServletResponse r, String origin) {
        assertThat(r.getHeader("Access-Control-Allow-Origin")).isEqualTo(origin);
        assertThat(r.getHeaders("Vary")).contains("Origin");
        assertThat(r.getHeader("Access-Control-Allow-Credentials")).isNull();
    }

    static void assertNoCors(MockHttpServletResponse r) {
        assertThat(r.getHeaderNames()).noneMatch(h -> h.startsWith("Access-Control-"));
    }

    @Test
    void aPreflightFromAnAllowedOriginIsAnsweredWithoutTheApiKey() throws Exception {
        ApiFilterTest.Counting vision = new ApiFilterTest.Counting();
        MockMvc mvc = Fixture.mvc(CORS.toBuilder().apiKey("s3cret-key").build(), vision);
        for (String path : new String[] {"/v1/chat/completions", "/v1/models", "/v1/grounding", "/v1/ocr"}) {
            MockHttpServletResponse r = mvc.perform(preflight(path, APP)).andReturn().getResponse();
            assertThat(r.getStatus()).as(path).isEqualTo(204);
            assertAllowed(r, APP);
            assertThat(r.getHeader("Access-Control-Allow-Methods")).isEqualTo("GET,POST,OPTIONS");
            assertThat(Arrays.asList(r.getHeader("Access-Control-Allow-Headers").split(",\\s*")))
                    .contains("authorization", "content-type", "x-stainless-os");
            assertThat(r.getHeader("Access-Control-Max-Age")).isEqualTo("1800");
            assertThat(r.getContentAsString()).isEmpty();
        }
        assertThat(mvc.perform(preflight("/v1/models", "http://localhost:5173")).andReturn().getResponse()
                .getHeader("Access-Control-Allow-Origin")).isEqualTo("http://localhost:5173");
        assertThat(vision.calls).hasValue(0);
    }

    @Test
    void aPreflightFromAnotherOriginOrForAnotherMethodIs403WithoutCorsHeaders() throws Exception {
        MockMvc mvc = Fixture.mvc(CORS, new ApiFilterTest.Counting());
        MvcResult evil = mvc.perform(preflight("/v1/ocr", "https://evil.example.com")).andReturn();
        assertThat(assertError(evil, 403, "Cross-origin request refused").get("code").getAsString())
                .isEqualTo("cors_rejected");
        assertNoCors(evil.getResponse());
        // an origin differs in scheme or port too
        assertError(mvc.perform(preflight("/v1/ocr", "http://app.example.com")).andReturn(), 403, "refused");
        assertError(mvc.perform(preflight("/v1/ocr", APP + ":8443")).andReturn(), 403, "refused");
        MvcResult delete = mvc.perform(options("/v1/ocr").header("Origin", APP)
                .header("Access-Control-Request-Method", "DELETE")).andReturn();
        assertError(delete, 403, "refused");
        assertNoCors(delete.getResponse());
    }

    @Test
    void answersToAnAllowedOriginCarryCorsHeaders() throws Exception {
        MockMvc mvc = Fixture.mvc(CORS, new ApiFilterTest.Counting());
        MockHttpServletResponse ocr = mvc.perform(postOcr(APP)).andReturn().getResponse();
        assertThat(ocr.getStatus()).isEqualTo(200);
        assertAllowed(ocr, APP);
        assertThat(ocr.getHeader("Access-Control-Expose-Headers")).contains("Retry-After");
        MockHttpServletResponse models = mvc.perform(get("/v1/models").header("Origin", APP)).andReturn()
                .getResponse();
        assertThat(models.getStatus()).isEqualTo(200);
        assertAllowed(models, APP);
    }

    @Test
    void errorsCarryCorsHeadersAndTheApiKeyIsStillNeeded() throws Exception {
        ApiFilterTest.Counting vision = new ApiFilterTest.Counting();
        MockMvc mvc = Fixture.mvc(CORS.toBuilder().apiKey("s3cret-key").maxRequestBytes(1000).build(), vision);
        MvcResult missing = mvc.perform(postOcr(APP)).andReturn();
        assertError(missing, 401, "Missing API key");
        assertAllowed(missing.getResponse(), APP);
        assertThat(vision.calls).hasValue(0);

        MvcResult big = mvc.perform(post("/v1/ocr").header("Origin", APP).header("Authorization", "Bearer s3cret-key")
                .contentType(MediaType.APPLICATION_JSON).content("{\"image\":\"" + "A".repeat(2000) + "\"}"))
                .andReturn();
        assertError(big, 413, "larger than 1000 bytes");
        assertAllowed(big.getResponse(), APP);

        MockHttpServletResponse ok = mvc.perform(postOcr(APP).header("Authorization", "Bearer s3cret-key"))
                .andReturn().getResponse();
        assertThat(ok.getStatus()).isEqualTo(200);
        assertAllowed(ok, APP);
        assertThat(vision.calls).hasValue(1);
    }

    @Test
    void aBusyEngineIs503WithCorsHeaders() throws Exception {
        VisionService busy = new VisionService() {
            @Override
            public GroundingResult ground(RgbImage image, String phrase, boolean all, Integer maxTiles,
                    ChatListener listener) {
                throw new RejectedExecutionException("the engine is busy: 1 requests are running and 0 are waiting");
            }

            @Override
            public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles,
                    ChatListener listener) {
                throw new RejectedExecutionException("the engine is busy: 1 requests are running and 0 are waiting");
            }
        };
        MvcResult r = Fixture.mvc(CORS, busy).perform(postOcr(APP)).andReturn();
        assertError(r, 503, "The engine is busy");
        assertAllowed(r.getResponse(), APP);
        assertThat(r.getResponse().getHeader("Retry-After")).isEqualTo("1");
    }

    @Test
    void aStreamToAnAllowedOriginCarriesCorsHeaders() throws Exception {
        String body = "{\"model\":\"tiny-internvl\",\"stream\":true,\"max_tokens\":2,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        MockHttpServletResponse r = Fixture.mvc(CORS).perform(post("/v1/chat/completions").header("Origin", APP)
                .contentType(MediaType.APPLICATION_JSON).content(body)).andReturn().getResponse();
        assertThat(r.getStatus()).as(r.getContentAsString()).isEqualTo(200);
        assertThat(r.getContentType()).startsWith("text/event-stream");
        assertThat(r.getContentAsString()).contains("data: [DONE]");
        assertAllowed(r, APP);
    }

    @Test
    void requestsFromAnotherOriginGoOnWithoutCorsHeaders() throws Exception {
        MockHttpServletResponse r = Fixture.mvc(CORS, new ApiFilterTest.Counting())
                .perform(postOcr("https://evil.example.com")).andReturn().getResponse();
        assertThat(r.getStatus()).isEqualTo(200);
        assertNoCors(r);
    }

    @Test
    void withoutAllowedOriginsThereAreNoCorsHeadersAndPreflightsNeedTheKey() throws Exception {
        MockMvc mvc = Fixture.mvc(ApiSettings.builder().build(), new ApiFilterTest.Counting());
        MockHttpServletResponse r = mvc.perform(postOcr(APP)).andReturn().getResponse();
        assertThat(r.getStatus()).isEqualTo(200);
        assertNoCors(r);
        assertThat(r.getHeaders("Vary")).doesNotContain("Origin");
        // a preflight is no different from other requests: it passes the filter (and Spring MVC refuses it) ...
        MockMvc keyed = Fixture.mvc(ApiSettings.builder().apiKey("k").build(), new ApiFilterTest.Counting());
        // ... or, with an API key, the filter does
        MvcResult pre = keyed.perform(preflight("/v1/ocr", APP)).andReturn();
        assertError(pre, 401, "Missing API key");
        assertNoCors(pre.getResponse());
    }

    @Test
    void anyOriginWithStar() throws Exception {
        MockMvc mvc = Fixture.mvc(ApiSettings.builder().allowedOrigins(List.of(" * ")).build(),
                new ApiFilterTest.Counting());
        MockHttpServletResponse pre = mvc.perform(preflight("/v1/ocr", "https://anywhere.example.net")).andReturn()
                .getResponse();
        assertThat(pre.getStatus()).isEqualTo(204);
        assertThat(pre.getHeader("Access-Control-Allow-Origin")).isEqualTo("*");
        assertThat(mvc.perform(postOcr("https://anywhere.example.net")).andReturn().getResponse()
                .getHeader("Access-Control-Allow-Origin")).isEqualTo("*");
    }

    @Test
    void originsAreChecked() {
        assertThat(ApiSettings.builder().allowedOrigins(List.of(" https://a.example.com/ ", "", "http://[::1]:3000",
                "chrome-extension://abcdef")).build().allowedOrigins())
                .containsExactly("https://a.example.com", "http://[::1]:3000", "chrome-extension://abcdef");
        assertThat(ApiSettings.defaults().allowedOrigins()).isEmpty();
        assertThatIllegalArgumentException().isThrownBy(() -> ApiSettings.origins(List.of("*", APP)))
                .withMessageContaining("cannot be combined");
        assertThatIllegalArgumentException().isThrownBy(() -> ApiSettings.origins(List.of("app.example.com")))
                .withMessageContaining("'app.example.com' is not an origin (no scheme)");
        assertThatIllegalArgumentException().isThrownBy(() -> ApiSettings.origins(List.of("localhost:3000")))
                .withMessageContaining("no host");
        assertThatIllegalArgumentException().isThrownBy(() -> ApiSettings.origins(List.of(APP + "/app")))
                .withMessageContaining("has a path");
        assertThatIllegalArgumentException().isThrownBy(() -> ApiSettings.origins(List.of(APP + "?x=1")))
                .withMessageContaining("query");
        assertThatIllegalArgumentException().isThrownBy(() -> ApiSettings.origins(List.of("https://*.example.com")))
                .withMessageContaining("not an origin");
        assertThatIllegalArgumentException().isThrownBy(() -> ApiSettings.origins(List.of("null")))
                .withMessageContaining("not an origin");
        assertThatIllegalArgumentException().isThrownBy(() -> ApiSettings.origins(List.of("https://u@a.example.com")))
                .withMessageContaining("user info");
    }
}
