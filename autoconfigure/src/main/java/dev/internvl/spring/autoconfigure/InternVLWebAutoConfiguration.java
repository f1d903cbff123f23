package dev.internvl.spring.autoconfigure;

import dev.internvl.ChatEngine;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.grounding.VisionTaskOptions;
import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.spring.web.ApiErrorAdvice;
import dev.internvl.spring.web.ApiKeyInterceptor;
import dev.internvl.spring.web.ApiPaths;
import dev.internvl.spring.web.ApiSettings;
import dev.internvl.spring.web.ChatCompletionsController;
import dev.internvl.spring.web.GroundingController;
import dev.internvl.spring.web.InternVLApiFilter;
import dev.internvl.spring.web.OcrController;
import dev.internvl.spring.web.UnversionedPathHandler;
import dev.internvl.spring.web.VisionService;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletPath;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;
import tools.jackson.databind.json.JsonMapper;

/**
 * The InternVL HTTP endpoints in a Spring MVC application that has the internvl-spring-web module: OpenAI-compatible
 * {@code /v1/chat/completions} and {@code /v1/models} on the InternVL chat model, {@code /v1/grounding} and
 * {@code /v1/ocr} on the engine, all behind {@link InternVLApiFilter} (CORS, body size) and {@link ApiKeyInterceptor},
 * their errors in OpenAI's shape ({@link ApiErrorAdvice}), their JSON written by the application's {@link JsonMapper},
 * and a hint to add {@code /v1} for those paths without it ({@link UnversionedPathHandler}). Uploads are parsed by
 * the servlet container under Boot's multipart limits, which default to the endpoints' ({@link
 * InternVLMultipartLimits}). Turned off with
 * {@code spring.ai.internvl.web.enabled=false}, one endpoint with {@code spring.ai.internvl.web.<endpoint>.enabled}.
 * An application's own {@link VisionService} or {@link ApiSettings} bean replaces the default one.
 */
@AutoConfiguration(after = {InternVLAutoConfiguration.class, InternVLChatAutoConfiguration.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({DispatcherServlet.class, ChatCompletionsController.class, DispatcherServletPath.class})
@ConditionalOnProperty(prefix = InternVLWebProperties.PREFIX, name = "enabled", havingValue = "true",
        matchIfMissing = true)
// InternVLProperties: for grounding and OCR also when the application's engine is there without the chat model
@EnableConfigurationProperties({InternVLWebProperties.class, InternVLProperties.class,
        InternVLVideoProperties.class})
public class InternVLWebAutoConfiguration {

    static final String PREFIX = InternVLWebProperties.PREFIX + ".";

    @Bean
    @ConditionalOnMissingBean
    public ApiSettings internVLApiSettings(InternVLWebProperties p, InternVLVideoProperties video) {
        positive("max-request-size", p.getMaxRequestSize().toBytes());
        checkVideoFits(p, video);
        positive("max-images", p.getMaxImages());
        positive("max-phrases", p.getMaxPhrases());
        positive("max-image-pixels", p.getMaxImagePixels());
        positive("max-tokens", p.getMaxTokens());
        positive("remote-images.max-size", p.getRemoteImages().getMaxSize().toBytes());
        if (p.getRemoteImages().getTimeout().isNegative() || p.getRemoteImages().getTimeout().isZero()) {
            throw new InternVLConfigurationException(PREFIX + "remote-images.timeout", PREFIX
                    + "remote-images.timeout=" + p.getRemoteImages().getTimeout() + " must be positive");
        }
        if (p.getMaxRequestTime() == null || p.getMaxRequestTime().isNegative() || p.getMaxRequestTime().isZero()) {
            throw new InternVLConfigurationException(PREFIX + "max-request-time", PREFIX + "max-request-time="
                    + p.getMaxRequestTime() + " must be positive");
        }
        if (p.getDisconnectCheckInterval() == null || p.getDisconnectCheckInterval().isNegative()) {
            throw new InternVLConfigurationException(PREFIX + "disconnect-check-interval", PREFIX
                    + "disconnect-check-interval=" + p.getDisconnectCheckInterval() + " must be 0 (off) or positive");
        }
        if (p.getMaxBytesInFlight() != null && p.getMaxBytesInFlight().toBytes() < p.getMaxRequestSize().toBytes()) {
            throw new InternVLConfigurationException(PREFIX + "max-bytes-in-flight", PREFIX
                    + "max-bytes-in-flight=" + p.getMaxBytesInFlight() + " must be at least max-request-size ("
                    + p.getMaxRequestSize() + "), or no request of the largest size fits");
        }
        try {
            ApiSettings.origins(p.getCors().getAllowedOrigins());
        } catch (IllegalArgumentException e) {
            throw new InternVLConfigurationException(PREFIX + "cors.allowed-origins", PREFIX
                    + "cors.allowed-origins=" + String.join(",", p.getCors().getAllowedOrigins()) + ": "
                    + e.getMessage(), e);
        }
        try {
            ApiSettings.modelNames(p.getServedModelNames());
        } catch (IllegalArgumentException e) {
            throw new InternVLConfigurationException(PREFIX + "served-model-names", PREFIX + "served-model-names="
                    + p.getServedModelNames() + ": " + e.getMessage(), e);
        }
        return ApiSettings.builder()
                .apiKey(p.getApiKey())
                .maxRequestBytes(p.getMaxRequestSize().toBytes())
                .maxImages(p.getMaxImages())
                .maxPhrases(p.getMaxPhrases())
                .maxImagePixels(p.getMaxImagePixels())
                .allowedImageHosts(p.getRemoteImages().getAllowedHosts())
                .imageFetchTimeout(p.getRemoteImages().getTimeout())
                .maxImageFetchBytes(p.getRemoteImages().getMaxSize().toBytes())
                .allowedOrigins(p.getCors().getAllowedOrigins())
                .maxTokens(p.getMaxTokens())
                .specialTokensInText(p.getSpecialTokensInText())
                .maxRequestTime(p.getMaxRequestTime())
                .disconnectCheckInterval(p.getDisconnectCheckInterval())
                .maxBytesInFlight(p.getMaxBytesInFlight() == null ? null : p.getMaxBytesInFlight().toBytes())
                .servedModelNames(p.getServedModelNames())
                .build();
    }

    /**
     * With a video decoder installed, a {@code video_url} of an explicitly set {@code video.max-bytes} must fit in a
     * request: its base64 (4 characters for every 3 bytes) and 64 KB for the rest within {@code max-request-size}.
     * (Unset, max-bytes is derived from max-request-size that way.)
     */
    static void checkVideoFits(InternVLWebProperties p, InternVLVideoProperties video) {
        if (video.getMaxBytes() == null || !dev.internvl.video.Videos.available()) {
            return;
        }
        long base64 = InternVLVideoProperties.base64(video.getMaxBytes().toBytes());
        long request = p.getMaxRequestSize().toBytes();
        if (base64 + InternVLVideoProperties.ENVELOPE_BYTES > request) {
            String max = InternVLVideoProperties.PREFIX + ".max-bytes";
            throw new InternVLConfigurationException(max, max + "=" + video.getMaxBytes() + " is " + base64
                    + " bytes in base64, more than " + PREFIX + "max-request-size=" + p.getMaxRequestSize() + " ("
                    + request + " bytes) lets through with the rest of a request (64KB): lower " + max
                    + " to at most " + InternVLVideoProperties.fitting(request) + "B, leave it unset, or raise "
                    + PREFIX + "max-request-size");
        }
    }

    private static void positive(String property, long value) {
        if (value <= 0) {
            throw new InternVLConfigurationException(PREFIX + property, PREFIX + property + "=" + value
                    + " must be positive");
        }
    }

    @Bean
    @ConditionalOnBean(InternVLChatModel.class)
    @ConditionalOnProperty(prefix = InternVLWebProperties.PREFIX + ".chat", name = "enabled", havingValue = "true",
            matchIfMissing = true)
    public ChatCompletionsController internVLChatCompletionsController(InternVLChatModel chatModel,
            ApiSettings settings, ObjectProvider<JsonMapper> mapper) {
        return new ChatCompletionsController(chatModel, settings, jsonMapper(mapper));
    }

    /** The application's JSON mapper, Spring Boot's; Jackson's shared one without it. */
    static JsonMapper jsonMapper(ObjectProvider<JsonMapper> mapper) {
        return mapper.getIfAvailable(JsonMapper::shared);
    }

    /** The errors of the endpoints (and only theirs) in OpenAI's shape. */
    @Bean
    @ConditionalOnMissingBean
    public ApiErrorAdvice internVLApiErrorAdvice() {
        return new ApiErrorAdvice();
    }

    /**
     * The API key, when one is set, for every endpoint path under the DispatcherServlet, and for the MCP server's
     * endpoints when there are some ({@link #mcpEndpoints}).
     */
    @Bean
    public WebMvcConfigurer internVLApiKey(ApiSettings settings, ObjectProvider<JsonMapper> mapper,
            Environment environment) {
        return new WebMvcConfigurer() {
            @Override
            public void addInterceptors(InterceptorRegistry registry) {
                ApiKeyInterceptor.register(registry, settings, jsonMapper(mapper));
                List<String> mcp = mcpEndpoints(environment);
                if (!mcp.isEmpty()) {
                    registry.addInterceptor(new ApiKeyInterceptor(settings, jsonMapper(mapper))).addPathPatterns(mcp);
                }
            }
        };
    }

    /** The class of Spring AI's Streamable HTTP transport for Spring MVC. */
    static final String MCP_TRANSPORT =
            "org.springframework.ai.mcp.server.webmvc.transport.WebMvcStreamableServerTransportProvider";

    /**
     * The paths of the MCP server when Spring AI's Spring MVC transport is on the class path and the server is not
     * off: its Streamable HTTP endpoint ({@code spring.ai.mcp.server.streamable-http.mcp-endpoint}, {@code /mcp} by
     * default), and with {@code spring.ai.mcp.server.protocol=SSE} the deprecated SSE transport's two
     * ({@code sse-endpoint}, {@code /sse}; {@code sse-message-endpoint}, {@code /mcp/message}); else none. They get
     * the same API key and body limits as the InternVL endpoints.
     */
    static List<String> mcpEndpoints(Environment environment) {
        if (!ClassUtils.isPresent(MCP_TRANSPORT, InternVLWebAutoConfiguration.class.getClassLoader())
                || !environment.getProperty("spring.ai.mcp.server.enabled", Boolean.class, true)) {
            return List.of();
        }
        List<String> paths = new ArrayList<>();
        paths.add(environment.getProperty("spring.ai.mcp.server.streamable-http.mcp-endpoint", "/mcp"));
        if ("SSE".equalsIgnoreCase(environment.getProperty("spring.ai.mcp.server.protocol"))) {
            paths.add(environment.getProperty("spring.ai.mcp.server.sse-endpoint", "/sse"));
            paths.add(environment.getProperty("spring.ai.mcp.server.sse-message-endpoint", "/mcp/message"));
        }
        return paths;
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(ChatEngine.class)
    public VisionService internVLVisionService(ChatEngine engine, InternVLWebProperties p) {
        VisionTaskOptions options = VisionTaskOptions.defaults();
        if (p.getVisionMaxTokens() != null) {
            positive("vision-max-tokens", p.getVisionMaxTokens());
            options = options.withGeneration(GenerationOptions.builder().maxNewTokens(p.getVisionMaxTokens()).build());
        }
        return VisionService.of(engine, options);
    }

    @Bean
    @ConditionalOnBean(ChatEngine.class)
    @ConditionalOnProperty(prefix = InternVLWebProperties.PREFIX + ".grounding", name = "enabled",
            havingValue = "true", matchIfMissing = true)
    public GroundingController internVLGroundingController(VisionService vision, ChatEngine engine,
            InternVLProperties properties, ObjectProvider<InternVLChatModel> chatModel, ApiSettings settings,
            ObjectProvider<JsonMapper> mapper) {
        return new GroundingController(vision, modelId(engine, properties, chatModel), settings, jsonMapper(mapper));
    }

    @Bean
    @ConditionalOnBean(ChatEngine.class)
    @ConditionalOnProperty(prefix = InternVLWebProperties.PREFIX + ".ocr", name = "enabled", havingValue = "true",
            matchIfMissing = true)
    public OcrController internVLOcrController(VisionService vision, ChatEngine engine, InternVLProperties properties,
            ObjectProvider<InternVLChatModel> chatModel, ApiSettings settings, ObjectProvider<JsonMapper> mapper) {
        return new OcrController(vision, modelId(engine, properties, chatModel), settings, jsonMapper(mapper));
    }

    /** The chat model's id, so that every endpoint names the model alike; else the configured id or folder name. */
    static String modelId(ChatEngine engine, InternVLProperties properties, ObjectProvider<InternVLChatModel> chat) {
        InternVLChatModel chatModel = chat.getIfUnique();
        if (chatModel != null) {
            return chatModel.getModelId();
        }
        if (properties.getModel().getId() != null) {
            return properties.getModel().getId();
        }
        return engine.modelName();
    }

    /**
     * The endpoint paths without {@code /v1} ({@code /chat/completions}, {@code /models}, ...): a 404 that says to add
     * {@code /v1} to the client's base URL, after the application's own mappings.
     */
    @Bean
    @ConditionalOnBean(ChatEngine.class)
    @ConditionalOnMissingBean(name = "internVLUnversionedPaths")
    public SimpleUrlHandlerMapping internVLUnversionedPaths(ObjectProvider<JsonMapper> mapper) {
        return UnversionedPathHandler.handlerMapping(jsonMapper(mapper));
    }

    /** CORS and the body limits for every endpoint path (and the MCP endpoint), under the DispatcherServlet's path. */
    @Bean
    @ConditionalOnMissingBean(name = "internVLApiFilter")
    public FilterRegistrationBean<InternVLApiFilter> internVLApiFilter(ApiSettings settings,
            ObjectProvider<DispatcherServletPath> servletPath, ObjectProvider<JsonMapper> mapper,
            Environment environment) {
        FilterRegistrationBean<InternVLApiFilter> registration = new FilterRegistrationBean<>(
                new InternVLApiFilter(settings, jsonMapper(mapper)));
        DispatcherServletPath path = servletPath.getIfAvailable();
        List<String> paths = new ArrayList<>(ApiPaths.ALL);
        paths.addAll(mcpEndpoints(environment));
        for (String p : paths) {
            registration.addUrlPatterns(path == null ? p : path.getRelativePath(p));
        }
        registration.setName("internVLApiFilter");
        // after security filters (-100), before other request wrappers (up to 0)
        registration.setOrder(-50);
        return registration;
    }
}
