package dev.internvl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.internvl.ChatListener;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import dev.internvl.spring.web.ApiPaths;
import dev.internvl.spring.web.ApiSettings;
import dev.internvl.spring.web.ChatCompletionsController;
import dev.internvl.spring.web.GroundingController;
import dev.internvl.spring.web.InternVLApiFilter;
import dev.internvl.spring.web.OcrController;
import dev.internvl.spring.web.VisionService;
import dev.internvl.testing.TinyModel;
import dev.internvl.text.SpecialTokensInText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/** Which endpoints appear in which applications, for which properties, with which settings. */
class InternVLWebAutoConfigurationTest {

    @TempDir
    static Path tmp;

    static Path checkpoint;

    @BeforeAll
    static void writeCheckpoint() {
        checkpoint = TinyModel.write(tmp.resolve("tiny-internvl"));
    }

    static final AutoConfigurations AUTO = AutoConfigurations.of(InternVLAutoConfiguration.class,
            InternVLChatAutoConfiguration.class, InternVLWebAutoConfiguration.class,
            DispatcherServletAutoConfiguration.class);

    final WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(AUTO)
            .withUserConfiguration(SharedEngine.class);

    static List<String> urlPatterns(AssertableWebApplicationContext context) {
        @SuppressWarnings("unchecked")
        FilterRegistrationBean<InternVLApiFilter> r = context.getBean("internVLApiFilter",
                FilterRegistrationBean.class);
        return List.copyOf(r.getUrlPatterns());
    }

    @Test
    void withoutAnMcpServerOnlyTheInternVLEndpointsAreBehindTheFilter() {
        web.withPropertyValues("spring.ai.mcp.server.enabled=false")
                .run(context -> assertThat(urlPatterns(context)).containsExactlyElementsOf(ApiPaths.ALL));
    }

    @Test
    void aServletWebApplicationGetsEveryEndpointBehindTheFilter() {
        web.run(context -> {
            assertThat(context).hasSingleBean(ChatCompletionsController.class)
                    .hasSingleBean(GroundingController.class).hasSingleBean(OcrController.class)
                    .hasSingleBean(VisionService.class).hasSingleBean(ApiSettings.class);
            // and the MCP endpoint: Spring AI's Spring MVC transport is on this test class path
            List<String> withMcp = new java.util.ArrayList<>(ApiPaths.ALL);
            withMcp.add("/mcp");
            assertThat(urlPatterns(context)).containsExactlyElementsOf(withMcp);
            ApiSettings s = context.getBean(ApiSettings.class);
            assertThat(s.apiKey()).isNull();
            assertThat(s.maxRequestBytes()).isEqualTo(20L * 1024 * 1024);
            assertThat(s.maxImages()).isEqualTo(4);
            assertThat(s.allowedImageHosts()).isEmpty();
            assertThat(s.allowedOrigins()).isEmpty();
            assertThat(s.specialTokensInText()).isEqualTo(SpecialTokensInText.PLAIN);
            assertThat(s.maxRequestTime()).isEqualTo(Duration.ofMinutes(5));
            assertThat(s.disconnectCheckInterval()).isEqualTo(Duration.ofMillis(200));
            assertThat(s.maxBytesInFlight()).isEqualTo(128L * 1024 * 1024);
            assertThat(s.servedModelNames()).isEmpty(); // the model id alone
        });
    }

    /** An OPTIONS preflight from {@code origin} through the registered filter, without an API key. */
    static MockHttpServletResponse preflight(AssertableWebApplicationContext context, String origin)
            throws Exception {
        @SuppressWarnings("unchecked")
        FilterRegistrationBean<InternVLApiFilter> r = context.getBean("internVLApiFilter",
                FilterRegistrationBean.class);
        MockHttpServletRequest request = new MockHttpServletRequest("OPTIONS", "/v1/chat/completions");
        request.addHeader("Origin", origin);
        request.addHeader("Access-Control-Request-Method", "POST");
        request.addHeader("Access-Control-Request-Headers", "Authorization, Content-Type");
        MockHttpServletResponse response = new MockHttpServletResponse();
        r.getFilter().doFilter(request, response, new MockFilterChain());
        return response;
    }

    @Test
    void allowedOriginsTurnCorsOnInTheFilter() {
        web.withPropertyValues("spring.ai.internvl.web.api-key=k3y",
                "spring.ai.internvl.web.cors.allowed-origins=https://app.example.com, http://localhost:5173")
                .run(context -> {
                    assertThat(context.getBean(ApiSettings.class).allowedOrigins())
                            .containsExactly("https://app.example.com", "http://localhost:5173");
                    MockHttpServletResponse ok = preflight(context, "https://app.example.com");
                    assertThat(ok.getStatus()).isEqualTo(204);
                    assertThat(ok.getHeader("Access-Control-Allow-Origin")).isEqualTo("https://app.example.com");
                    assertThat(ok.getHeader("Access-Control-Allow-Methods")).isEqualTo("GET,POST,OPTIONS");
                    assertThat(ok.getHeader("Access-Control-Allow-Headers")).containsIgnoringCase("authorization")
                            .containsIgnoringCase("content-type");
                    assertThat(ok.getHeader("Access-Control-Max-Age")).isNotNull();
                    MockHttpServletResponse refused = preflight(context, "https://evil.example.com");
                    assertThat(refused.getStatus()).isEqualTo(403);
                    assertThat(refused.getHeader("Access-Control-Allow-Origin")).isNull();
                });
        // off by default: the preflight is a request like any other, and the API key is missing
        web.withConfiguration(AutoConfigurations.of(WebMvcAutoConfiguration.class))
                .withPropertyValues("spring.ai.internvl.web.api-key=k3y").run(context -> {
                    MockHttpServletResponse r = mvc(context).perform(options("/v1/chat/completions")
                            .header("Origin", "https://app.example.com")
                            .header("Access-Control-Request-Method", "POST")).andReturn().getResponse();
                    assertThat(r.getStatus()).isEqualTo(401);
                    assertThat(r.getContentAsString()).contains("\"code\":\"invalid_api_key\"");
                    assertThat(r.getHeader("Access-Control-Allow-Origin")).isNull();
                });
    }

    /** The application's MVC with the registered filter on its paths, as the servlet container mounts it. */
    static MockMvc mvc(AssertableWebApplicationContext context) {
        @SuppressWarnings("unchecked")
        FilterRegistrationBean<InternVLApiFilter> r = context.getBean("internVLApiFilter",
                FilterRegistrationBean.class);
        return MockMvcBuilders.webAppContextSetup(context)
                .addFilter(r.getFilter(), r.getUrlPatterns().toArray(String[]::new)).build();
    }

    @Test
    void theApiKeyIsCheckedForTheEndpointsOnly() {
        web.withConfiguration(AutoConfigurations.of(WebMvcAutoConfiguration.class))
                .withUserConfiguration(OwnPage.class)
                .withPropertyValues("spring.ai.internvl.web.api-key=k3y").run(context -> {
                    MockMvc mvc = mvc(context);
                    MockHttpServletResponse missing = mvc.perform(get("/v1/models")).andReturn().getResponse();
                    assertThat(missing.getStatus()).isEqualTo(401);
                    assertThat(missing.getHeader("WWW-Authenticate")).isEqualTo("Bearer");
                    assertThat(mvc.perform(get("/v1/models").header("Authorization", "Bearer k3y")).andReturn()
                            .getResponse().getStatus()).isEqualTo(200);
                    assertThat(mvc.perform(get("/own")).andReturn().getResponse().getContentAsString())
                            .isEqualTo("the application's own");
                });
    }

    @org.springframework.web.bind.annotation.RestController
    static class OwnPage {
        @org.springframework.web.bind.annotation.GetMapping("/own")
        String own() {
            return "the application's own";
        }
    }

    @Test
    void theFilterFollowsTheDispatcherServletPath() {
        web.withPropertyValues("spring.mvc.servlet.path=/api").run(context -> assertThat(urlPatterns(context))
                .contains("/api/v1/chat/completions", "/api/v1/models/*", "/api/v1/ocr"));
    }

    @Test
    void applicationsThatAreNotServletWebApplicationsGetNone() {
        new ApplicationContextRunner().withConfiguration(AUTO).withUserConfiguration(SharedEngine.class)
                .run(context -> assertThat(context).doesNotHaveBean(ChatCompletionsController.class)
                        .doesNotHaveBean(InternVLApiFilter.class).doesNotHaveBean("internVLApiFilter"));
    }

    @Test
    void withoutTheWebModuleThereIsNothing() {
        web.withClassLoader(new FilteredClassLoader(ChatCompletionsController.class))
                .run(context -> assertThat(context).doesNotHaveBean("internVLApiFilter")
                        .doesNotHaveBean("internVLChatCompletionsController"));
    }

    @Test
    void theEndpointsCanBeTurnedOffTogetherOrOneByOne() {
        web.withPropertyValues("spring.ai.internvl.web.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(ChatCompletionsController.class)
                        .doesNotHaveBean(GroundingController.class).doesNotHaveBean("internVLApiFilter"));
        web.withPropertyValues("spring.ai.internvl.web.chat.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(ChatCompletionsController.class)
                        .hasSingleBean(GroundingController.class).hasSingleBean(OcrController.class));
        web.withPropertyValues("spring.ai.internvl.web.grounding.enabled=false",
                "spring.ai.internvl.web.ocr.enabled=false")
                .run(context -> assertThat(context).hasSingleBean(ChatCompletionsController.class)
                        .doesNotHaveBean(GroundingController.class).doesNotHaveBean(OcrController.class));
    }

    @Test
    void loadingTheConfiguredCheckpointServesItUnderItsFolderName() {
        new WebApplicationContextRunner().withConfiguration(AUTO)
                .withPropertyValues("spring.ai.internvl.model.path=" + checkpoint).run(context -> {
                    assertThat(context).hasSingleBean(ChatCompletionsController.class)
                            .hasSingleBean(GroundingController.class);
                    assertThat(context.getBean(dev.internvl.spring.ai.InternVLChatModel.class).getModelId())
                            .isEqualTo("tiny-internvl");
                });
    }

    @Test
    void anotherChatModelSelectedLeavesGroundingAndOcrOnTheApplicationsEngine() {
        web.withPropertyValues("spring.ai.model.chat=openai").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(ChatCompletionsController.class)
                    .hasSingleBean(GroundingController.class).hasSingleBean(OcrController.class);
        });
    }

    @Test
    void withoutTheModelThereAreNoEndpoints() {
        new WebApplicationContextRunner().withConfiguration(AUTO).withPropertyValues("spring.ai.model.chat=none")
                .run(context -> assertThat(context).doesNotHaveBean(ChatCompletionsController.class)
                        .doesNotHaveBean(GroundingController.class).doesNotHaveBean(VisionService.class)
                        .doesNotHaveBean("internVLUnversionedPaths"));
    }

    @Test
    void pathsWithoutV1AreA404SayingToAddIt() {
        web.withConfiguration(AutoConfigurations.of(WebMvcAutoConfiguration.class)).run(context -> {
            assertThat(context).hasNotFailed().hasBean("internVLUnversionedPaths");
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(context).build();
            for (MockHttpServletRequestBuilder request : List.of(post("/chat/completions"), get("/models"),
                    get("/models/tiny-internvl"), post("/grounding"), post("/ocr"))) {
                MvcResult r = mvc.perform(request).andReturn();
                assertThat(r.getResponse().getStatus()).isEqualTo(404);
                assertThat(r.getResponse().getContentAsString()).contains("\"code\":\"not_found\"")
                        .contains("Add /v1 to the base URL of your client: http://localhost/v1");
            }
            // the endpoints are where they were, and other paths are Spring's own 404
            assertThat(mvc.perform(get("/v1/models")).andReturn().getResponse().getStatus()).isEqualTo(200);
            MvcResult other = mvc.perform(get("/completions")).andReturn();
            assertThat(other.getResponse().getStatus()).isEqualTo(404);
            assertThat(other.getResponse().getContentAsString()).doesNotContain("/v1");
        });
    }

    @Test
    void propertiesBecomeTheSettings() {
        web.withPropertyValues("spring.ai.internvl.web.api-key=k3y", "spring.ai.internvl.web.max-request-size=2MB",
                "spring.ai.internvl.web.max-images=2", "spring.ai.internvl.web.max-phrases=3",
                "spring.ai.internvl.web.max-image-pixels=1000000",
                "spring.ai.internvl.web.remote-images.allowed-hosts=images.example.org,*.cdn.example.org",
                "spring.ai.internvl.web.remote-images.timeout=3s",
                "spring.ai.internvl.web.remote-images.max-size=1MB",
                "spring.ai.internvl.web.special-tokens-in-text=reference",
                "spring.ai.internvl.web.max-request-time=90s",
                "spring.ai.internvl.web.disconnect-check-interval=0",
                "spring.ai.internvl.web.max-bytes-in-flight=64MB",
                "spring.ai.internvl.web.served-model-names=internvl,gpt-4o-mini").run(context -> {
                    ApiSettings s = context.getBean(ApiSettings.class);
                    assertThat(s.apiKey()).isEqualTo("k3y");
                    assertThat(s.maxRequestBytes()).isEqualTo(2L * 1024 * 1024);
                    assertThat(s.maxImages()).isEqualTo(2);
                    assertThat(s.maxPhrases()).isEqualTo(3);
                    assertThat(s.maxImagePixels()).isEqualTo(1_000_000);
                    assertThat(s.allowedImageHosts()).containsExactly("images.example.org", "*.cdn.example.org");
                    assertThat(s.imageFetchTimeout()).isEqualTo(Duration.ofSeconds(3));
                    assertThat(s.maxImageFetchBytes()).isEqualTo(1024 * 1024);
                    assertThat(s.specialTokensInText()).isEqualTo(SpecialTokensInText.REFERENCE);
                    assertThat(s.maxRequestTime()).isEqualTo(Duration.ofSeconds(90));
                    assertThat(s.disconnectCheckInterval()).isZero();
                    assertThat(s.maxBytesInFlight()).isEqualTo(64L * 1024 * 1024);
                    assertThat(s.servedModelNames()).containsExactly("internvl", "gpt-4o-mini");
                });
    }

    @Test
    void invalidLimitsStopTheStartNamingTheProperty() {
        web.withPropertyValues("spring.ai.internvl.web.max-images=0").run(context -> assertFailure(context, "spring.ai.internvl.web.max-images=0", "must be positive"));
        web.withPropertyValues("spring.ai.internvl.web.remote-images.timeout=0s").run(context ->
                assertFailure(context, "spring.ai.internvl.web.remote-images.timeout",
                        "must be positive"));
        web.withPropertyValues("spring.ai.internvl.web.max-bytes-in-flight=10MB").run(context ->
                assertFailure(context, "spring.ai.internvl.web.max-bytes-in-flight", "must be at least max-request-size"));
        web.withPropertyValues("spring.ai.internvl.web.max-request-time=0s").run(context ->
                assertFailure(context, "spring.ai.internvl.web.max-request-time", "must be positive"));
        web.withPropertyValues("spring.ai.internvl.web.disconnect-check-interval=-1s").run(context ->
                assertFailure(context, "spring.ai.internvl.web.disconnect-check-interval", "must be 0 (off) or positive"));
        web.withPropertyValues("spring.ai.internvl.web.vision-max-tokens=-1").run(context ->
                assertFailure(context, "spring.ai.internvl.web.vision-max-tokens",
                        "must be positive"));
        web.withPropertyValues("spring.ai.internvl.web.cors.allowed-origins=https://app.example.com/index.html")
                .run(context -> assertFailure(context, "spring.ai.internvl.web.cors.allowed-origins",
                        "'https://app.example.com/index.html' is not an origin (it has a path)"));
        web.withPropertyValues("spring.ai.internvl.web.served-model-names[0]=internvl",
                "spring.ai.internvl.web.served-model-names[1]= ").run(context -> assertFailure(context,
                        "spring.ai.internvl.web.served-model-names", "must not be blank"));
        web.withPropertyValues("spring.ai.internvl.web.cors.allowed-origins=app.example.com").run(context ->
                assertFailure(context, "spring.ai.internvl.web.cors.allowed-origins", "(no scheme)"));
        web.withPropertyValues("spring.ai.internvl.web.cors.allowed-origins=*,https://app.example.com")
                .run(context -> assertFailure(context, "spring.ai.internvl.web.cors.allowed-origins",
                        "cannot be combined"));
    }

    static void assertFailure(AssertableWebApplicationContext context, String property, String detail) {
        assertThat(context).hasFailed();
        StringBuilder messages = new StringBuilder();
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        assertThat(messages.toString()).contains(property).contains(detail);
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnVision {
        static final VisionService VISION = new VisionService() {
            @Override
            public GroundingResult ground(RgbImage image, String phrase, boolean all, Integer maxTiles,
                    ChatListener listener) {
                return GroundingResult.empty("none");
            }

            @Override
            public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles,
                    ChatListener listener) {
                return OcrResult.of("none");
            }
        };

        @Bean
        VisionService myVision() {
            return VISION;
        }
    }

    @Test
    void anApplicationsVisionServiceIsUsed() {
        web.withUserConfiguration(OwnVision.class).run(context -> {
            assertThat(context).hasSingleBean(VisionService.class).hasSingleBean(GroundingController.class);
            assertThat(context.getBean(VisionService.class)).isSameAs(OwnVision.VISION);
        });
    }

}
