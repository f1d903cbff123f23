package dev.internvl.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.internvl.testing.SampleAppProcess;
import dev.internvl.testing.TinyModel;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.mcp.customizer.McpClientCustomizer;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * Spring AI's MCP client starter, set up by properties as an application that uses the vision tools would set it up
 * (docs/mcp.md), against the sample app started from its jar with {@code spring.ai.mcp.server.enabled=true} and an API
 * key: the client's tool callbacks list the vision tools and run one, the client calls locate and crop with an image
 * and gets typed results and the crop back as an image, and a client without the key is refused.
 */
class SpringAiMcpClientTest {

    static final String KEY = "client-test-key";

    @TempDir
    static Path tmp;

    static SampleAppProcess app;

    @BeforeAll
    static void startTheApp() throws Exception {
        app = SampleAppProcess.startOnTinyModel(tmp, KEY, List.of("--spring.ai.internvl.tools.max-tokens=8",
                "--spring.ai.mcp.server.enabled=true"));
    }

    @AfterAll
    static void stopTheApp() throws InterruptedException {
        if (app != null) {
            app.close();
        }
    }

    static String baseUrl() {
        return app.baseUrl();
    }

    /** An application with Spring AI's MCP client starter and the customizer of docs/mcp.md that sends the key. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class ClientApp {
        @Bean
        McpClientCustomizer<HttpClientStreamableHttpTransport.Builder> internVLKey(
                @Value("${internvl.key:}") String key) {
            return (name, builder) -> builder.httpRequestCustomizer((request, method, uri, body, context) -> {
                if (!key.isEmpty()) {
                    request.header("Authorization", "Bearer " + key);
                }
            });
        }
    }

    static ConfigurableApplicationContext client(String key) {
        return new SpringApplicationBuilder(ClientApp.class).web(WebApplicationType.NONE)
                .properties("spring.ai.mcp.client.streamable-http.connections.internvl.url=" + baseUrl(),
                        "spring.ai.mcp.client.request-timeout=2m", "internvl.key=" + key,
                        "spring.main.banner-mode=off")
                .run();
    }

    static final String IMAGE = "data:image/png;base64," + Base64.getEncoder().encodeToString(TinyModel.png(64, 48, 1));

    @Test
    @SuppressWarnings("unchecked")
    void theStarterSeesTheVisionToolsAndCallsThem() throws IOException {
        try (ConfigurableApplicationContext context = client(KEY)) {
            List<McpSyncClient> clients = (List<McpSyncClient>) context.getBean("mcpSyncClients", List.class);
            assertThat(clients).hasSize(1);
            McpSyncClient c = clients.get(0);
            assertThat(c.getServerInfo().name()).isEqualTo("internvl-vision");

            // Spring AI's tool callbacks over the connection, as a ChatClient would get them
            List<ToolCallback> tools = context.getBeansOfType(ToolCallbackProvider.class).values().stream()
                    .flatMap(p -> List.of(p.getToolCallbacks()).stream()).toList();
            assertThat(tools).extracting(t -> t.getToolDefinition().name())
                    .anyMatch(n -> n.endsWith("locate_objects")).anyMatch(n -> n.endsWith("crop_region"));
            ToolCallback read = tools.stream().filter(t -> t.getToolDefinition().name().endsWith("read_text"))
                    .findFirst().orElseThrow();
            assertThat(read.call("{\"image\":\"" + IMAGE + "\"}")).contains("lines").contains("img-");

            McpSchema.CallToolResult located = c.callTool(new McpSchema.CallToolRequest("locate_objects",
                    Map.of("image", IMAGE, "phrase", "the square")));
            Map<String, Object> found = (Map<String, Object>) located.structuredContent();
            assertThat(found).containsEntry("image_width", 64).containsEntry("image_height", 48)
                    .containsKey("boxes");

            McpSchema.CallToolResult cropped = c.callTool(new McpSchema.CallToolRequest("crop_region",
                    Map.of("image", found.get("image"), "box", Map.of("x1", 8, "y1", 8, "x2", 40, "y2", 24))));
            Map<String, Object> crop = (Map<String, Object>) cropped.structuredContent();
            assertThat(crop).containsEntry("width", 32).containsEntry("height", 16);
            McpSchema.ImageContent png = cropped.content().stream().filter(McpSchema.ImageContent.class::isInstance)
                    .map(McpSchema.ImageContent.class::cast).findFirst().orElseThrow();
            assertThat(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(png.data()))).getWidth())
                    .isEqualTo(32);
        }
    }

    @Test
    void withoutTheKeyTheClientIsRefused() {
        // the starter initializes its clients as the application starts: a refused one stops the start
        assertThatThrownBy(() -> client("").close()).hasStackTraceContaining("Authorization");
    }
}
