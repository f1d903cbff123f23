package dev.internvl.spring.ai.mcp;

import dev.internvl.image.ImageEncoder;
import dev.internvl.spring.ai.tools.ImageReferenceException;
import dev.internvl.spring.ai.tools.ImageStore;
import dev.internvl.spring.ai.tools.InternVLToolCallbackProvider;
import dev.internvl.spring.ai.tools.StoredImage;
import dev.internvl.spring.ai.tools.VisionToolCallback;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.mcp.McpToolUtils;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.execution.ToolExecutionException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The vision tools as Model Context Protocol tools, for an MCP server (Spring AI's MCP server starters collect
 * beans of {@code List<SyncToolSpecification>}).
 *
 * <p>Each {@link VisionToolCallback} becomes a tool of the same name, description and input schema. Its result goes
 * back as structured content (the JSON object the tool returns: boxes in pixels and in 0-1000, text lines, answers)
 * and as the same JSON in a text block for clients that read only text; a result that made a new image from a
 * {@code source} ({@code crop_region}, {@code draw_boxes}) also carries that image as PNG image content. A call that
 * fails (arguments that do not fit, an unknown image id, an image that does not decode or is too large) is a tool
 * error result ({@code isError}) whose text says what to change, so that the calling model can correct itself.
 *
 * <p>Images come as arguments in the forms {@link ImageStore#resolve} reads: an image id from an earlier result,
 * a {@code data:} URI, or the URI of a stored image as an MCP resource, {@value ImageStore#RESOURCE_PREFIX}{@code <id>}
 * ({@link #imageResources}). Other tool callbacks of the application go through Spring AI's plain conversion (text
 * results).
 */
public final class McpVisionTools {

    private static final JsonMapper JSON = JsonMapper.shared();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    private McpVisionTools() {
    }

    /**
     * The tools of {@code provider} (none when it is null) and of the application's other callbacks, each name once
     * (a vision tool wins over another callback of its name).
     */
    public static List<SyncToolSpecification> tools(InternVLToolCallbackProvider provider, List<ToolCallback> others) {
        List<SyncToolSpecification> out = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (provider != null) {
            for (ToolCallback c : provider.getToolCallbacks()) {
                out.add(tool((VisionToolCallback) c, provider.getImageStore()));
                names.add(c.getToolDefinition().name());
            }
        }
        for (ToolCallback c : others) {
            if (!names.contains(c.getToolDefinition().name())) {
                out.add(McpToolUtils.toSyncToolSpecification(c));
                names.add(c.getToolDefinition().name());
            }
        }
        return out;
    }

    /** One vision tool as an MCP tool whose results carry structured content and new images. */
    public static SyncToolSpecification tool(VisionToolCallback callback, ImageStore images) {
        Objects.requireNonNull(callback, "callback");
        Objects.requireNonNull(images, "images");
        var definition = callback.getToolDefinition();
        McpSchema.Tool tool = McpSchema.Tool.builder()
                .name(definition.name())
                .description(definition.description())
                .inputSchema(JSON.readValue(definition.inputSchema(), OBJECT))
                .build();
        return SyncToolSpecification.builder()
                .tool(tool)
                .callHandler((exchange, request) -> call(callback, images, request.arguments(), exchange == null
                        ? null : new ToolContext(Map.of(McpToolUtils.TOOL_CONTEXT_MCP_EXCHANGE_KEY, exchange))))
                .build();
    }

    static CallToolResult call(VisionToolCallback callback, ImageStore images, Map<String, Object> arguments,
            ToolContext context) {
        String output;
        try {
            output = callback.call(JSON.writeValueAsString(arguments == null ? Map.of() : arguments), context);
        } catch (ToolExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String message = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
            return CallToolResult.builder().isError(true).addTextContent(message).build();
        }
        CallToolResult.Builder result = CallToolResult.builder().addTextContent(output);
        Map<String, Object> structured = object(output);
        if (structured != null) {
            result.structuredContent(structured);
            if (structured.get("source") != null && structured.get("image") instanceof String id) {
                // a new image made from the source: the client sees it
                images.get(id).ifPresent(made -> result.addContent(McpSchema.ImageContent.builder(
                        Base64.getEncoder().encodeToString(ImageEncoder.png(made.image())), "image/png").build()));
            }
        }
        return result.build();
    }

    private static Map<String, Object> object(String output) {
        if (!output.startsWith("{")) {
            return null; // a tool that answers in plain text
        }
        try {
            return JSON.readValue(output, OBJECT);
        } catch (JacksonException e) {
            return null;
        }
    }

    /**
     * The images of {@code images} as MCP resources, {@value ImageStore#RESOURCE_PREFIX}{@code {id}}, read as PNG: a
     * client can fetch a crop or a drawing by the id a tool returned, and pass the URI back as an image argument.
     */
    public static SyncResourceTemplateSpecification imageResources(ImageStore images) {
        McpSchema.ResourceTemplate template = McpSchema.ResourceTemplate.builder(ImageStore.RESOURCE_PREFIX + "{id}",
                        "stored-image")
                .title("Stored image")
                .description("An image held by the vision tools' image store (an id such as img-3f9c2a7b01de that a "
                        + "tool returned), as PNG")
                .mimeType("image/png")
                .build();
        return new SyncResourceTemplateSpecification(template, (exchange, request) -> {
            StoredImage image;
            try {
                if (!request.uri().startsWith(ImageStore.RESOURCE_PREFIX)) { // resolve() would store a data: URI
                    throw new ImageReferenceException("not a stored image's URI: " + ImageStore.RESOURCE_PREFIX
                            + "<id>");
                }
                image = images.resolve(request.uri());
            } catch (ImageReferenceException e) {
                throw McpError.builder(McpSchema.ErrorCodes.RESOURCE_NOT_FOUND).message(e.getMessage())
                        .data(request.uri()).build();
            }
            return new McpSchema.ReadResourceResult(List.of(new McpSchema.BlobResourceContents(request.uri(),
                    "image/png", Base64.getEncoder().encodeToString(ImageEncoder.png(image.image())), null)), null);
        });
    }
}
