package dev.internvl.spring.ai.tools;

import java.util.Objects;
import java.util.function.BiFunction;

/**
 * A tool that works on images of the {@link ImageStore} with a {@link VisionBackend}: the SPI behind the built-in
 * tools ({@link VisionTools}) and the way an application adds its own. Each one becomes a Spring AI
 * {@link org.springframework.ai.tool.ToolCallback} ({@link VisionToolCallback}): the model sees {@link #name()},
 * {@link #description()} and a JSON schema generated from {@link #inputType()} (a record whose components carry
 * {@link org.springframework.ai.tool.annotation.ToolParam} descriptions), the arguments are read into that type,
 * and whatever {@link #call} returns is written back as JSON (a {@code String} is passed on as it is). An exception
 * becomes the tool's error result, which the model reads (Spring AI's tool error handling decides; by default the
 * conversation goes on).
 *
 * <p>With the Spring Boot starter, every {@code VisionTool} bean joins the {@code internVLToolCallbackProvider}; a
 * bean named like a built-in tool replaces it.
 *
 * <pre>{@code
 * record CountInput(@ToolParam(description = "Image id or data: URI") String image,
 *                   @ToolParam(description = "What to count, e.g. 'car'") String what) {}
 *
 * @Bean
 * VisionTool<CountInput> countObjects() {
 *     return VisionTool.of("count_objects", "Counts the instances of something in an image.", CountInput.class,
 *             (in, ctx) -> Map.of("count", ctx.vision().detectAll(ctx.image(in.image()).image(), in.what()).boxes().size()));
 * }
 * }</pre>
 *
 * @param <I> the type the tool's JSON arguments are read into
 */
public interface VisionTool<I> {

    /** The tool's name as the model calls it: letters, digits, {@code _} and {@code -}, at most 64 characters. */
    String name();

    /** What the tool does, when to use it and what it returns, for the model. */
    String description();

    /** The type the arguments are read into; the JSON schema the model sees is generated from it. */
    Class<I> inputType();

    /**
     * Runs the tool.
     *
     * @param input   the arguments (never null: a call without arguments reads {@code {}})
     * @param context the image store, the vision backend and Spring AI's tool context
     * @return the result, written back to the model as JSON
     */
    Object call(I input, VisionToolContext context);

    /** The JSON schema of the arguments, or null (the default) to generate it from {@link #inputType()}. */
    default String inputSchema() {
        return null;
    }

    /** A tool from a function. */
    static <I> VisionTool<I> of(String name, String description, Class<I> inputType,
            BiFunction<I, VisionToolContext, ?> handler) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(inputType, "inputType");
        Objects.requireNonNull(handler, "handler");
        return new VisionTool<>() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public Class<I> inputType() {
                return inputType;
            }

            @Override
            public Object call(I input, VisionToolContext context) {
                return handler.apply(input, context);
            }

            @Override
            public String toString() {
                return "VisionTool[" + name + "]";
            }
        };
    }
}
