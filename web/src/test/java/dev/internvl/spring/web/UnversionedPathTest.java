package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.google.gson.JsonObject;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockServletContext;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;

/**
 * The endpoint paths without {@code /v1}: a 404 in OpenAI's shape saying to add {@code /v1} to the base URL, in a
 * Spring MVC application with its own controllers.
 */
class UnversionedPathTest {

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Mvc {

        @Bean
        ChatCompletionsController chat() {
            return new ChatCompletionsController(Fixture.chatModel(), ApiSettings.defaults());
        }

        @Bean
        SimpleUrlHandlerMapping unversionedPaths() {
            return UnversionedPathHandler.handlerMapping();
        }
    }

    /** An application's own page at one of those paths. */
    @RestController
    static class OwnModelsPage {
        @GetMapping("/models")
        String models() {
            return "our catalogue of model trains";
        }
    }

    static MockMvc mvc(Class<?>... extra) {
        AnnotationConfigWebApplicationContext context = new AnnotationConfigWebApplicationContext();
        context.setServletContext(new MockServletContext());
        context.register(Mvc.class);
        if (extra.length > 0) {
            context.register(extra);
        }
        context.refresh();
        return MockMvcBuilders.webAppContextSetup(context).build();
    }

    static void assertHint(MvcResult r, String path, String base) {
        JsonObject error = assertError(r, 404, "the API of this server is under /v1 (" + r.getRequest().getMethod()
                + " /v1" + path + "). Add /v1 to the base URL of your client: " + base);
        assertThat(error.get("code").getAsString()).isEqualTo("not_found");
    }

    @Test
    void theEndpointPathsWithoutV1SayToAddIt() throws Exception {
        MockMvc mvc = mvc();
        assertHint(mvc.perform(post("/chat/completions").contentType(MediaType.APPLICATION_JSON).content("{}"))
                .andReturn(), "/chat/completions", "http://localhost/v1");
        assertHint(mvc.perform(get("/models")).andReturn(), "/models", "http://localhost/v1");
        assertHint(mvc.perform(get("/models/tiny-internvl")).andReturn(), "/models/tiny-internvl",
                "http://localhost/v1");
        assertHint(mvc.perform(post("/grounding")).andReturn(), "/grounding", "http://localhost/v1");
        assertHint(mvc.perform(post("/ocr")).andReturn(), "/ocr", "http://localhost/v1");
        // the endpoints themselves answer as before
        MvcResult models = mvc.perform(get("/v1/models")).andReturn();
        assertThat(models.getResponse().getStatus()).isEqualTo(200);
        assertThat(json(models).getAsJsonArray("data")).hasSize(1);
    }

    @Test
    void otherUnknownPathsStayTheApplicationsOwn404() throws Exception {
        MockMvc mvc = mvc();
        for (String path : new String[] {"/completions", "/v2/models", "/chat", "/something"}) {
            MvcResult r = mvc.perform(get(path)).andReturn();
            assertThat(r.getResponse().getStatus()).as(path).isEqualTo(404);
            assertThat(r.getResponse().getContentAsString()).as(path).doesNotContain("/v1");
        }
    }

    @Test
    void anApplicationsOwnMappingWins() throws Exception {
        MockMvc mvc = mvc(OwnModelsPage.class);
        MvcResult r = mvc.perform(get("/models")).andReturn();
        assertThat(r.getResponse().getStatus()).isEqualTo(200);
        assertThat(r.getResponse().getContentAsString()).isEqualTo("our catalogue of model trains");
        assertHint(mvc.perform(post("/chat/completions")).andReturn(), "/chat/completions", "http://localhost/v1");
    }

    @Test
    void theHintNamesTheBaseUrlUnderTheServletPath() throws Exception {
        Consumer<MvcResult> underApi = r -> assertHint(r, "/chat/completions", "http://localhost:8080/ctx/api/v1");
        underApi.accept(mvc().perform(post("http://localhost:8080/ctx/api/chat/completions").contextPath("/ctx")
                .servletPath("/api")).andReturn());
    }
}
