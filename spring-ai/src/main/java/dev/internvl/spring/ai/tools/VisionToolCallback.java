package dev.internvl.spring.ai.tools;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.internvl.InvalidRequestException;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.DefaultToolDefinition;
import org.springframework.ai.tool.definition.ToolDefinition;
import org.springframework.ai.tool.execution.ToolExecutionException;
import org.springframework.ai.util.json.schema.JsonSchemaGenerator;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A {@link VisionTool} as a Spring AI {@link ToolCallback}.
 *
 * <p>Arguments are read strictly into the tool's input type (unknown arguments are refused, naming the known ones);
 * results are written as JSON without null fields. Every failure of a call (arguments that do not parse, an unknown
 * image id, a bad box, a model error) is thrown as a {@link ToolExecutionException} carrying a message written for
 * the model, so that Spring AI's {@link org.springframework.ai.tool.execution.ToolExecutionExceptionProcessor}
 * decides: by default it sends the message back to the model as the tool's result and the conversation goes on.
 */
public final class VisionToolCallback implements ToolCallback {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** How arguments are read and results written. */
    static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .changeDefaultPropertyInclusion(v -> v.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();

    private final VisionTool<?> tool;
    private final ImageStore images;
    private final VisionBackend vision;
    private final ToolDefinition definition;

    public VisionToolCallback(VisionTool<?> tool, ImageStore images, VisionBackend vision) {
        this.tool = Objects.requireNonNull(tool, "tool");
        this.images = Objects.requireNonNull(images, "images");
        this.vision = Objects.requireNonNull(vision, "vision");
        String name = tool.name();
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("vision tool name '" + name + "' (" + tool.getClass().getName()
                    + ") must be 1 to 64 letters, digits, '_' or '-'");
        }
        if (tool.description() == null || tool.description().isBlank()) {
            throw new IllegalArgumentException("vision tool '" + name + "' has no description");
        }
        Objects.requireNonNull(tool.inputType(), () -> "vision tool '" + name + "' has no input type");
        String schema = tool.inputSchema();
        this.definition = DefaultToolDefinition.builder()
                .name(name)
                .description(tool.description())
                .inputSchema(schema != null ? schema : JsonSchemaGenerator.generateForType(tool.inputType()))
                .build();
    }

    @Override
    public ToolDefinition getToolDefinition() {
        return definition;
    }

    /** The tool behind this callback. */
    public VisionTool<?> getTool() {
        return tool;
    }

    @Override
    public String call(String toolInput) {
        return call(toolInput, null);
    }

    @Override
    public String call(String toolInput, ToolContext toolContext) {
        return run(tool, toolInput, toolContext);
    }

    private <I> String run(VisionTool<I> t, String toolInput, ToolContext toolContext) {
        I input = read(t.inputType(), toolInput);
        Object result;
        try {
            result = t.call(input, new VisionToolContext(images, vision, toolContext));
        } catch (ToolExecutionException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ToolExecutionException(definition, e);
        }
        if (result instanceof CharSequence text) {
            return text.toString();
        }
        try {
            return JSON.writeValueAsString(result);
        } catch (JacksonException e) {
            throw new ToolExecutionException(definition, new IllegalStateException(t.name()
                    + ": the result could not be written as JSON: " + e.getOriginalMessage(), e));
        }
    }

    private <I> I read(Class<I> type, String toolInput) {
        String json = toolInput == null || toolInput.isBlank() ? "{}" : toolInput;
        try {
            I input = JSON.readValue(json, type);
            if (input == null) {
                input = JSON.readValue("{}", type);
            }
            return input;
        } catch (JacksonException e) {
            throw new ToolExecutionException(definition, new InvalidRequestException(argumentError(e), e));
        }
    }

    private String argumentError(JacksonException e) {
        String where = path(e);
        if (e instanceof UnrecognizedPropertyException u) {
            TreeSet<String> known = new TreeSet<>();
            u.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
            return "invalid arguments for " + definition.name() + ": unknown argument '" + where
                    + "'; the accepted ones here are " + String.join(", ", known);
        }
        String message = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        int newline = message.indexOf('\n');
        if (newline > 0) {
            message = message.substring(0, newline);
        }
        return "invalid arguments for " + definition.name() + (where.isEmpty() ? "" : " at '" + where + "'") + ": "
                + message + "; pass a JSON object matching the tool's schema";
    }

    private static String path(JacksonException e) {
        StringBuilder out = new StringBuilder();
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                if (!out.isEmpty()) {
                    out.append('.');
                }
                out.append(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return "VisionToolCallback[" + definition.name() + "]";
    }
}
