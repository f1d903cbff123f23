package dev.internvl.spring.ai.tools;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;

/**
 * The vision tools as Spring AI tool callbacks, sharing one {@link ImageStore} and one {@link VisionBackend}: the
 * built-in ones ({@link VisionTools#builtIn()}) and any {@link VisionTool}s added. Give it to a {@code ChatClient}
 * whose model plans tool calls:
 *
 * <pre>{@code
 * InternVLToolCallbackProvider tools = InternVLToolCallbackProvider.builder(new InternVLVisionBackend(engine), store).build();
 * String id = store.put(Files.readAllBytes(photo), "photo.jpg").id();
 * String answer = ChatClient.create(plannerModel).prompt()
 *         .user("How many cars are in image " + id + "? Draw them.")
 *         .tools(tools)
 *         .call().content();
 * }</pre>
 *
 * <p>An added tool named like a built-in one replaces it; two added tools of one name are refused. Immutable and
 * thread-safe (the tools share the store, which is).
 */
public final class InternVLToolCallbackProvider implements ToolCallbackProvider {

    private final ImageStore imageStore;
    private final VisionBackend backend;
    private final List<VisionToolCallback> callbacks;

    private InternVLToolCallbackProvider(Builder b) {
        this.imageStore = b.imageStore;
        this.backend = b.backend;
        Map<String, VisionTool<?>> tools = new LinkedHashMap<>();
        if (b.builtIn) {
            VisionTools.builtIn().forEach(t -> tools.put(t.name(), t));
        }
        Map<String, VisionTool<?>> added = new LinkedHashMap<>();
        for (VisionTool<?> t : b.tools) {
            VisionTool<?> previous = added.put(t.name(), t);
            if (previous != null) {
                throw new IllegalStateException("two vision tools are named '" + t.name() + "': " + previous + " and "
                        + t + "; tool names must be unique");
            }
            tools.put(t.name(), t);
        }
        List<VisionToolCallback> list = new ArrayList<>();
        for (VisionTool<?> t : tools.values()) {
            if (b.enabled.test(t.name())) {
                list.add(new VisionToolCallback(t, imageStore, backend));
            }
        }
        this.callbacks = List.copyOf(list);
    }

    /** A builder on {@code backend} and {@code imageStore}, with the built-in tools. */
    public static Builder builder(VisionBackend backend, ImageStore imageStore) {
        return new Builder(backend, imageStore);
    }

    @Override
    public ToolCallback[] getToolCallbacks() {
        return callbacks.toArray(new ToolCallback[0]);
    }

    /** The names of the tools, in order. */
    public List<String> getToolNames() {
        return callbacks.stream().map(c -> c.getToolDefinition().name()).toList();
    }

    /** The store the tools read images from and write new ones to. */
    public ImageStore getImageStore() {
        return imageStore;
    }

    /** The vision model the tools ask. */
    public VisionBackend getBackend() {
        return backend;
    }

    @Override
    public String toString() {
        return "InternVLToolCallbackProvider" + getToolNames();
    }

    /** Builder of {@link InternVLToolCallbackProvider}. */
    public static final class Builder {
        private final VisionBackend backend;
        private final ImageStore imageStore;
        private final List<VisionTool<?>> tools = new ArrayList<>();
        private boolean builtIn = true;
        private Predicate<String> enabled = name -> true;

        private Builder(VisionBackend backend, ImageStore imageStore) {
            this.backend = Objects.requireNonNull(backend, "backend");
            this.imageStore = Objects.requireNonNull(imageStore, "imageStore");
        }

        /** Whether to include the built-in tools (default true). */
        public Builder builtInTools(boolean v) {
            builtIn = v;
            return this;
        }

        /** Adds a tool (replacing a built-in one of the same name). */
        public Builder tool(VisionTool<?> tool) {
            tools.add(Objects.requireNonNull(tool, "tool"));
            return this;
        }

        /** Adds tools (replacing built-in ones of the same names). */
        public Builder tools(Collection<? extends VisionTool<?>> v) {
            v.forEach(this::tool);
            return this;
        }

        /** Which tools to offer, by name (default: all). */
        public Builder enabled(Predicate<String> v) {
            enabled = Objects.requireNonNull(v, "enabled");
            return this;
        }

        public InternVLToolCallbackProvider build() {
            return new InternVLToolCallbackProvider(this);
        }
    }
}
