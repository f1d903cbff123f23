package dev.internvl.spring.autoconfigure;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Defaults for Spring AI's MCP server when it serves the vision tools ({@link InternVLMcpServerAutoConfiguration}):
 * the Streamable HTTP transport ({@code spring.ai.mcp.server.protocol=STREAMABLE}; Spring AI otherwise falls back to
 * the deprecated SSE one) and no conversion of tool callbacks by Spring AI
 * ({@code spring.ai.mcp.server.tool-callback-converter=false}), since the InternVL tools and the application's
 * other callbacks are converted by {@code internVLMcpTools}, each once. Only with the MCP server on the class path;
 * the application's own settings win (this source comes last).
 */
public class InternVLMcpServerDefaults implements EnvironmentPostProcessor {

    static final String SOURCE = "internVLMcpServerDefaults";

    static final String SERVER_PROPERTIES =
            "org.springframework.ai.mcp.server.common.autoconfigure.properties.McpServerProperties";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        ClassLoader loader = application.getClassLoader();
        if (!ClassUtils.isPresent(SERVER_PROPERTIES, loader)
                || !ClassUtils.isPresent("dev.internvl.spring.ai.mcp.McpVisionTools", loader)) {
            return;
        }
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(
                "spring.ai.mcp.server.protocol", "STREAMABLE",
                "spring.ai.mcp.server.tool-callback-converter", "false")));
    }
}
