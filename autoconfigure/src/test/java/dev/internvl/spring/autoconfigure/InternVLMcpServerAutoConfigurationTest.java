package dev.internvl.spring.autoconfigure;

import dev.internvl.image.ImageEncoder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.internvl.spring.ai.tools.ImageStore;
import dev.internvl.spring.ai.tools.InternVLToolCallbackProvider;
import dev.internvl.spring.ai.tools.StoredImage;
import dev.internvl.spring.ai.tools.VisionBackend;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import java.lang.reflect.Proxy;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.ai.tool.definition.DefaultToolDefinition;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.mock.env.MockEnvironment;

/** The vision tools on Spring AI's MCP server: each tool once, rich results, and the server's defaults. */
class InternVLMcpServerAutoConfigurationTest {

    static final VisionBackend NO_MODEL = (VisionBackend) Proxy.newProxyInstance(
            VisionBackend.class.getClassLoader(), new Class<?>[] {VisionBackend.class}, (p, m, a) -> {
                throw new UnsupportedOperationException("no model in this test");
            });

    static final ImageStore STORE = new ImageStore();

    static ToolCallback callback(String name) {
        return new ToolCallback() {
            @Override
            public org.springframework.ai.tool.definition.ToolDefinition getToolDefinition() {
                return DefaultToolDefinition.builder().name(name).description("An application tool")
                        .inputSchema("{\"type\":\"object\"}").build();
            }

            @Override
            public String call(String toolInput) {
                return "done";
            }
        };
    }

    final ApplicationContextRunner applicationToolsOnly = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InternVLMcpServerAutoConfiguration.class))
            .withPropertyValues("spring.ai.mcp.server.tool-callback-converter=false") // InternVLMcpServerDefaults
            .withBean("applicationTools", ToolCallbackProvider.class,
                    () -> ToolCallbackProvider.from(callback("count_sheep"), callback("crop_region")));

    final ApplicationContextRunner runner = applicationToolsOnly
            .withBean(InternVLToolCallbackProvider.class,
                    () -> InternVLToolCallbackProvider.builder(NO_MODEL, STORE).build());

    @SuppressWarnings("unchecked")
    static List<SyncToolSpecification> tools(org.springframework.context.ApplicationContext context) {
        return (List<SyncToolSpecification>) context.getBean("internVLMcpTools");
    }

    @Test
    void everyToolOnceTheVisionToolsWinningTheirNames() {
        runner.run(context -> {
            List<String> names = tools(context).stream().map(t -> t.tool().name()).toList();
            assertThat(names).containsExactly("locate_objects", "read_text", "describe_image", "crop_region",
                    "ask_about_region", "draw_boxes", "count_sheep");
            assertThat(tools(context).get(3).tool().description()).startsWith("Cuts a region out of an image");
            assertThat(context.getBean("internVLMcpImageResources", List.class)).hasSize(1)
                    .first().isInstanceOf(SyncResourceTemplateSpecification.class);
        });
    }

    @Test
    void aCropComesBackStructuredAndAsAnImage() {
        runner.run(context -> {
            StoredImage source = STORE.putDataUri(ImageEncoder.pngDataUri(
                    new dev.internvl.image.RgbImage(40, 30, new byte[40 * 30 * 3])));
            SyncToolSpecification crop = tools(context).stream().filter(t -> t.tool().name().equals("crop_region"))
                    .findFirst().orElseThrow();
            McpSchema.CallToolResult r = crop.callHandler().apply(null, new McpSchema.CallToolRequest("crop_region",
                    Map.of("image", source.id(), "box", Map.of("x1", 2, "y1", 3, "x2", 12, "y2", 8))));
            assertThat(r.isError()).isNotEqualTo(Boolean.TRUE);
            @SuppressWarnings("unchecked")
            Map<String, Object> structured = (Map<String, Object>) r.structuredContent();
            assertThat(structured).containsEntry("source", source.id())
                    .containsEntry("width", 10).containsEntry("height", 5);
            assertThat(r.content()).hasSize(2);
            McpSchema.ImageContent image = (McpSchema.ImageContent) r.content().get(1);
            assertThat(Base64.getDecoder().decode(image.data())).startsWith((byte) 0x89, (byte) 'P');

            McpSchema.CallToolResult bad = crop.callHandler().apply(null, new McpSchema.CallToolRequest(
                    "crop_region", Map.of("image", "img-000000000000")));
            assertThat(bad.isError()).isTrue();
            assertThat(((McpSchema.TextContent) bad.content().get(0)).text()).contains("unknown image id");
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void aResourceIsAStoredImageAndNothingElse() {
        runner.run(context -> {
            SyncResourceTemplateSpecification images = ((List<SyncResourceTemplateSpecification>) context
                    .getBean("internVLMcpImageResources", List.class)).get(0);
            StoredImage stored = STORE.put(new dev.internvl.image.RgbImage(4, 3, new byte[4 * 3 * 3]));
            McpSchema.BlobResourceContents png = (McpSchema.BlobResourceContents) images.readHandler().apply(null,
                    new McpSchema.ReadResourceRequest("internvl://images/" + stored.id())).contents().get(0);
            assertThat(png.mimeType()).isEqualTo("image/png");
            assertThat(Base64.getDecoder().decode(png.blob())).startsWith((byte) 0x89, (byte) 'P');
            for (String uri : List.of("internvl://images/img-000000000000", ImageEncoder.pngDataUri(stored.image()))) {
                int before = STORE.size();
                assertThatThrownBy(() -> images.readHandler().apply(null, new McpSchema.ReadResourceRequest(uri)))
                        .isInstanceOfSatisfying(io.modelcontextprotocol.spec.McpError.class, e -> assertThat(
                                e.getJsonRpcError().code()).isEqualTo(McpSchema.ErrorCodes.RESOURCE_NOT_FOUND));
                assertThat(STORE.size()).as("nothing stored").isEqualTo(before);
            }
        });
    }

    @Test
    void withoutTheVisionToolsTheApplicationsToolsAreStillServed() {
        applicationToolsOnly.run(context -> {
            assertThat(tools(context).stream().map(t -> t.tool().name()).toList())
                    .containsExactly("count_sheep", "crop_region");
            assertThat(context).doesNotHaveBean("internVLMcpImageResources");
        });
    }

    @Test
    void springAisOwnConversionWhenTheApplicationTurnsItOn() {
        runner.withPropertyValues("spring.ai.mcp.server.tool-callback-converter=true")
                .run(context -> assertThat(context).doesNotHaveBean("internVLMcpTools"));
    }

    @Test
    void offWithTheServer() {
        runner.withPropertyValues("spring.ai.mcp.server.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("internVLMcpTools"));
        runner.withPropertyValues("spring.ai.mcp.server.type=ASYNC")
                .run(context -> assertThat(context).doesNotHaveBean("internVLMcpTools"));
    }

    @Test
    void theMcpEndpointsTheApiKeyAndBodyLimitsCover() {
        assertThat(InternVLWebAutoConfiguration.mcpEndpoints(new MockEnvironment())).containsExactly("/mcp");
        assertThat(InternVLWebAutoConfiguration.mcpEndpoints(new MockEnvironment()
                .withProperty("spring.ai.mcp.server.streamable-http.mcp-endpoint", "/agents/mcp")))
                .containsExactly("/agents/mcp");
        assertThat(InternVLWebAutoConfiguration.mcpEndpoints(new MockEnvironment()
                .withProperty("spring.ai.mcp.server.protocol", "SSE")))
                .containsExactly("/mcp", "/sse", "/mcp/message");
        assertThat(InternVLWebAutoConfiguration.mcpEndpoints(new MockEnvironment()
                .withProperty("spring.ai.mcp.server.enabled", "false"))).isEmpty();
    }

    static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("application", properties));
        new InternVLMcpServerDefaults().postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }

    @Test
    void streamableHttpAndNoSecondConversionUnlessTheApplicationSaysOtherwise() {
        StandardEnvironment defaults = environment(Map.of());
        assertThat(defaults.getProperty("spring.ai.mcp.server.protocol")).isEqualTo("STREAMABLE");
        assertThat(defaults.getProperty("spring.ai.mcp.server.tool-callback-converter")).isEqualTo("false");
        StandardEnvironment own = environment(Map.of("spring.ai.mcp.server.protocol", "STATELESS"));
        assertThat(own.getProperty("spring.ai.mcp.server.protocol")).isEqualTo("STATELESS");
    }
}
