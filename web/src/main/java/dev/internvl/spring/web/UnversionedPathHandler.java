package dev.internvl.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.web.HttpRequestHandler;
import org.springframework.web.servlet.handler.SimpleUrlHandlerMapping;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;
import org.springframework.web.util.ServletRequestPathUtils;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers the endpoint paths without their {@code /v1} prefix ({@code /chat/completions}, {@code /models}, ...), as
 * clients send them when their base URL lacks {@code /v1} (Spring AI's and LangChain4j's OpenAI clients among them),
 * with a 404 in OpenAI's error shape (code {@code not_found}) that says to add {@code /v1} to the base URL. Only
 * {@link #PATHS}; every other unknown path stays the application's own 404.
 *
 * <p>{@link #handlerMapping()} maps it after the application's controllers (which keep those paths if they map them)
 * and before static resources.
 */
public final class UnversionedPathHandler implements HttpRequestHandler {

    /** The endpoint paths without {@code /v1}, as patterns relative to the DispatcherServlet. */
    public static final List<String> PATHS = List.of("/chat/completions", "/models", "/models/**", "/grounding",
            "/ocr");

    /**
     * The order of {@link #handlerMapping()}: after Spring MVC's controller and router mappings, before the static
     * resource mapping ({@code Ordered.LOWEST_PRECEDENCE - 1}), which takes every path.
     */
    public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 2;

    private final JacksonJsonHttpMessageConverter json;

    private UnversionedPathHandler(JsonMapper mapper) {
        this.json = new JacksonJsonHttpMessageConverter(mapper);
    }

    @Override
    public void handleRequest(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String base = ServletUriComponentsBuilder.fromServletMapping(request).path("/v1").build().toUriString();
        // within the DispatcherServlet's mapping, as the endpoint paths are
        String path = ServletRequestPathUtils.parseAndCache(request).pathWithinApplication().value();
        ApiErrors.write(request, response, new ApiException(404, ApiException.INVALID_REQUEST, null, "not_found",
                "There is nothing at " + path + ": the API of this server is under /v1 (" + request.getMethod()
                        + " /v1" + path + "). Add /v1 to the base URL of your client: " + base), json);
    }

    /** {@link #PATHS} to a handler writing with Jackson's shared mapper, ordered {@link #ORDER}. */
    public static SimpleUrlHandlerMapping handlerMapping() {
        return handlerMapping(JsonMapper.shared());
    }

    /** {@link #PATHS} to a handler writing with {@code mapper} (the application's), ordered {@link #ORDER}. */
    public static SimpleUrlHandlerMapping handlerMapping(JsonMapper mapper) {
        UnversionedPathHandler handler = new UnversionedPathHandler(mapper);
        Map<String, Object> urls = new LinkedHashMap<>();
        for (String path : PATHS) {
            urls.put(path, handler);
        }
        return new SimpleUrlHandlerMapping(urls, ORDER);
    }
}
