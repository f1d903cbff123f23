package dev.internvl.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.internvl.testing.TinyModel;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson3.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.springframework.ai.mcp.SyncMcpToolCallbackProvider;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sample app as an MCP server on a tiny random checkpoint, with clients this project did not write: the MCP Java
 * SDK's client under Spring AI's tool callbacks over Streamable HTTP (tools, structured results, a crop back as image
 * content, stored images as resources, and each kind of error the server keeps serving after), the official MCP
 * Inspector's CLI from npm (tools/list and tools/call) and one STDIO round trip with the app started as a command.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class McpServerTest {

    static final String KEY = "mcp-test-key";

    /** What the tests pass to the app, here and on the STDIO command line. */
    static Map<String, String> settings() {
        return Map.of("spring.ai.internvl.model.path", TinyCheckpoint.path().toString(),
                "spring.ai.internvl.max-tiles", "1",
                "spring.ai.internvl.tools.max-tokens", "8",
                "spring.ai.internvl.chat.options.max-tokens", "8");
    }

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        settings().forEach((k, v) -> registry.add(k, () -> v));
        registry.add("spring.ai.mcp.server.enabled", () -> "true");
        registry.add("spring.ai.internvl.web.api-key", () -> KEY);
        registry.add("spring.ai.internvl.web.max-request-size", () -> "256KB");
    }

    @LocalServerPort
    int port;

    static final String IMAGE = "data:image/png;base64," + Base64.getEncoder().encodeToString(TinyModel.png(64, 48, 1));

    McpSyncClient client(String key) {
        var transport = HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + port)
                .httpRequestCustomizer((request, method, uri, body, context) -> {
                    if (key != null) {
                        request.header("Authorization", "Bearer " + key);
                    }
                })
                .build();
        return McpClient.sync(transport).requestTimeout(Duration.ofMinutes(2)).build();
    }

    static CallToolResult call(McpSyncClient c, String tool, Map<String, Object> arguments) {
        return c.callTool(new CallToolRequest(tool, arguments));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> structured(CallToolResult r) {
        assertThat(r.isError()).as("%s", r.content()).isNotEqualTo(Boolean.TRUE);
        return (Map<String, Object>) r.structuredContent();
    }

    static String text(CallToolResult r) {
        return ((McpSchema.TextContent) r.content().get(0)).text();
    }

    @Test
    void toolsOverStreamableHttp() throws Exception {
        try (McpSyncClient c = client(KEY)) {
            c.initialize();
            List<McpSchema.Tool> tools = c.listTools().tools();
            assertThat(tools).extracting(McpSchema.Tool::name).contains("locate_objects", "read_text",
                    "describe_image", "crop_region", "ask_about_region", "draw_boxes");
            assertThat(tools).allSatisfy(t -> {
                assertThat(t.description()).hasSizeGreaterThan(40);
                assertThat(String.valueOf(t.inputSchema().get("properties"))).contains("image=");
            });

            Map<String, Object> found = structured(call(c, "locate_objects", Map.of("image", IMAGE, "phrase",
                    "the square")));
            assertThat(found).containsEntry("image_width", 64).containsEntry("image_height", 48)
                    .containsKeys("boxes", "count", "answer");
            String id = (String) found.get("image");
            assertThat(id).startsWith("img-");

            Map<String, Object> read = structured(call(c, "read_text", Map.of("image", id)));
            assertThat(read).containsEntry("image", id).containsKeys("text", "lines");

            CallToolResult cropped = call(c, "crop_region", Map.of("image", id, "box",
                    Map.of("x1", 10, "y1", 5, "x2", 40, "y2", 30)));
            Map<String, Object> crop = structured(cropped);
            assertThat(crop).containsEntry("source", id).containsEntry("width", 30).containsEntry("height", 25);
            McpSchema.ImageContent png = cropped.content().stream().filter(McpSchema.ImageContent.class::isInstance)
                    .map(McpSchema.ImageContent.class::cast).findFirst().orElseThrow();
            assertThat(png.mimeType()).isEqualTo("image/png");
            BufferedImage shown = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(png.data())));
            assertThat(shown.getWidth()).isEqualTo(30);
            assertThat(shown.getHeight()).isEqualTo(25);
            // the JSON also as text, for clients that read only text
            assertThat(JsonMapper.shared().readTree(text(cropped)).get("image").asString()).isEqualTo(crop.get("image"));

            // the crop as a resource, and its URI as an image argument
            String uri = "internvl://images/" + crop.get("image");
            McpSchema.BlobResourceContents blob = (McpSchema.BlobResourceContents) c.readResource(
                    new McpSchema.ReadResourceRequest(uri)).contents().get(0);
            assertThat(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(blob.blob()))).getWidth())
                    .isEqualTo(30);
            assertThat(structured(call(c, "read_text", Map.of("image", uri)))).containsEntry("image",
                    crop.get("image"));
            assertThat(c.listResourceTemplates().resourceTemplates()).extracting(McpSchema.ResourceTemplate::uriTemplate)
                    .contains("internvl://images/{id}");
        }
    }

    @Test
    void springAiToolCallbacksOverMcp() {
        try (McpSyncClient c = client(KEY)) {
            c.initialize();
            ToolCallback[] callbacks = SyncMcpToolCallbackProvider.builder().mcpClients(c).build().getToolCallbacks();
            ToolCallback describe = List.of(callbacks).stream()
                    .filter(t -> t.getToolDefinition().name().endsWith("describe_image")).findFirst().orElseThrow();
            String answer = describe.call("{\"image\":\"" + IMAGE + "\"}");
            // Spring AI's callback gives the MCP content list as JSON, the tool's JSON in its text
            assertThat(answer).contains("answer").contains("img-").contains("Please describe the image");
        }
    }

    @Test
    void errorsAreMcpErrorsAndTheServerGoesOn() {
        try (McpSyncClient noKey = client(null)) {
            assertThatThrownBy(noKey::initialize)
                    .hasRootCauseInstanceOf(McpHttpClientTransportAuthorizationException.class);
        }
        try (McpSyncClient wrongKey = client("wrong")) {
            assertThatThrownBy(wrongKey::initialize)
                    .hasRootCauseInstanceOf(McpHttpClientTransportAuthorizationException.class);
        }
        try (McpSyncClient c = client(KEY)) {
            c.initialize();
            CallToolResult corrupt = call(c, "read_text", Map.of("image", "data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3})));
            assertThat(corrupt.isError()).isTrue();
            assertThat(text(corrupt)).containsIgnoringCase("image");

            CallToolResult unknownImage = call(c, "read_text", Map.of("image", "img-000000000000"));
            assertThat(unknownImage.isError()).isTrue();
            assertThat(text(unknownImage)).contains("unknown image id");

            CallToolResult badArguments = call(c, "crop_region", Map.of("image", "img-1", "colour", "red"));
            assertThat(badArguments.isError()).isTrue();
            assertThat(text(badArguments)).contains("colour");

            assertThatThrownBy(() -> call(c, "no_such_tool", Map.of())).isInstanceOf(McpError.class)
                    .satisfies(e -> assertThat(((McpError) e).getJsonRpcError().code())
                            .isEqualTo(McpSchema.ErrorCodes.INVALID_PARAMS));

            // over the body limit (256 KB): refused before it is read
            String huge = "data:image/png;base64," + "A".repeat(300 * 1024);
            assertThatThrownBy(() -> call(c, "read_text", Map.of("image", huge)))
                    .hasStackTraceContaining("request_too_large");

            assertThat(structured(call(c, "read_text", Map.of("image", IMAGE)))).containsKey("text");
        }
    }

    @Test
    void officialInspectorCli() {
        Node.requirePackages();
        String url = "http://127.0.0.1:" + port + "/mcp";
        String cli = Node.DIR.toAbsolutePath().resolve("node_modules/.bin/mcp-inspector").toString();
        List<String> base = List.of(cli, "--cli", url, "--transport", "http", "--header", "Authorization: Bearer " + KEY);

        Node.Result list = Node.run(with(base, "--method", "tools/list"), Map.of(), Duration.ofMinutes(2));
        assertThat(list.exitCode()).as(list.output()).isZero();
        assertThat(list.output()).contains("\"locate_objects\"", "\"crop_region\"", "inputSchema");

        Node.Result crop = Node.run(with(base, "--method", "tools/call", "--tool-name", "crop_region",
                "--tool-args-json", "{\"image\":\"" + IMAGE + "\",\"box\":{\"x1\":0,\"y1\":0,\"x2\":16,\"y2\":12}}"),
                Map.of(), Duration.ofMinutes(2));
        assertThat(crop.exitCode()).as(crop.output()).isZero();
        assertThat(crop.output()).contains("\"structuredContent\"", "\"width\": 16", "\"type\": \"image\"",
                "\"mimeType\": \"image/png\"");

        List<String> wrongKey = new ArrayList<>(base);
        wrongKey.set(wrongKey.size() - 1, "Authorization: Bearer wrong");
        Node.Result refused = Node.run(with(wrongKey, "--stored-auth-only", "--method", "tools/list"), Map.of(),
                Duration.ofMinutes(2));
        assertThat(refused.exitCode()).as(refused.output()).isNotZero();
    }

    private static List<String> with(List<String> base, String... more) {
        List<String> out = new ArrayList<>(base);
        out.addAll(List.of(more));
        return out;
    }

    @Test
    void stdioRoundTrip() {
        List<String> args = new ArrayList<>(List.of("-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", SampleApplication.class.getName(), "--spring.profiles.active=mcp-stdio"));
        settings().forEach((k, v) -> args.add("--" + k + "=" + v));
        var java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var transport = new StdioClientTransport(ServerParameters.builder(java).args(args).build(),
                new JacksonMcpJsonMapper(JsonMapper.shared()));
        try (McpSyncClient c = McpClient.sync(transport).requestTimeout(Duration.ofMinutes(2))
                .initializationTimeout(Duration.ofMinutes(2)).build()) {
            c.initialize();
            assertThat(c.getServerInfo().name()).isEqualTo("internvl-vision");
            assertThat(c.listTools().tools()).extracting(McpSchema.Tool::name).contains("read_text");
            Map<String, Object> read = structured(call(c, "read_text", Map.of("image", IMAGE)));
            assertThat(read).containsKeys("image", "text", "lines");
            c.closeGracefully(); // ends the server process and the transport's threads
        }
    }
}
