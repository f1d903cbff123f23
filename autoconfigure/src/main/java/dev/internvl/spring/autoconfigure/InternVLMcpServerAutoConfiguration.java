package dev.internvl.spring.autoconfigure;

import dev.internvl.spring.ai.mcp.McpVisionTools;
import dev.internvl.spring.ai.tools.InternVLToolCallbackProvider;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;

/**
 * The vision tools on Spring AI's MCP server: with {@code spring-ai-starter-mcp-server-webmvc} (or the STDIO server
 * starter) on the class path, {@code internVLMcpTools} gives the server every tool of the
 * {@code internVLToolCallbackProvider} (structured results, new images as image content; see {@link McpVisionTools})
 * and the application's other tool callbacks (those alone when the vision tools are off), and {@code internVLMcpImageResources} serves the stored images as
 * {@code internvl://images/{id}} resources. {@link InternVLMcpServerDefaults} selects the Streamable HTTP transport
 * and turns Spring AI's own conversion of tool callbacks off, so that no tool is offered twice. Off with
 * {@code spring.ai.mcp.server.enabled=false}, and for the asynchronous server type, whose tools Spring AI converts.
 * On HTTP the endpoint ({@code spring.ai.mcp.server.streamable-http.mcp-endpoint}, {@code /mcp}) is behind the same
 * API key and body limits as the InternVL HTTP API ({@link InternVLWebAutoConfiguration}).
 */
@AutoConfiguration(after = InternVLToolsAutoConfiguration.class, beforeName =
        "org.springframework.ai.mcp.server.common.autoconfigure.McpServerAutoConfiguration")
@ConditionalOnClass({McpVisionTools.class, SyncToolSpecification.class})
@ConditionalOnProperty(prefix = "spring.ai.mcp.server", name = "enabled", havingValue = "true", matchIfMissing = true)
@ConditionalOnProperty(prefix = "spring.ai.mcp.server", name = "type", havingValue = "SYNC", matchIfMissing = true)
public class InternVLMcpServerAutoConfiguration {

    /**
     * The vision tools and the application's other tool callbacks, each once; only while Spring AI's own conversion
     * is off (the default here), so that an application that turns it on gets Spring AI's, and no tool twice.
     */
    @Bean
    @ConditionalOnMissingBean(name = "internVLMcpTools")
    @ConditionalOnProperty(prefix = "spring.ai.mcp.server", name = "tool-callback-converter", havingValue = "false")
    public List<SyncToolSpecification> internVLMcpTools(ObjectProvider<InternVLToolCallbackProvider> vision,
            ObjectProvider<ToolCallbackProvider> providers, ObjectProvider<ToolCallback> callbacks) {
        InternVLToolCallbackProvider provider = vision.getIfUnique(); // none with spring.ai.internvl.tools.enabled=false
        List<ToolCallback> others = new ArrayList<>();
        providers.orderedStream()
                .filter(p -> p != provider && !p.getClass().getName().startsWith("org.springframework.ai.mcp."))
                .forEach(p -> others.addAll(List.of(p.getToolCallbacks())));
        callbacks.orderedStream()
                .filter(c -> !c.getClass().getName().startsWith("org.springframework.ai.mcp."))
                .forEach(others::add);
        return McpVisionTools.tools(provider, others);
    }

    /**
     * Ends the MCP sessions when the application stops, before the web server's graceful shutdown: a connected
     * client holds an open event stream ({@code GET /mcp}), which the graceful shutdown would otherwise wait for
     * until its timeout (30 s by default).
     */
    @Bean
    public SmartLifecycle internVLMcpSessionsEnd(ObjectProvider<McpSyncServer> server) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                running = true;
            }

            @Override
            public void stop() {
                running = false;
                McpSyncServer s = server.getIfAvailable();
                if (s != null) {
                    s.closeGracefully();
                }
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            @Override
            public int getPhase() {
                return DEFAULT_PHASE; // stops first, before the web server (DEFAULT_PHASE - 1024)
            }
        };
    }

    @Bean
    @ConditionalOnBean(InternVLToolCallbackProvider.class)
    @ConditionalOnMissingBean(name = "internVLMcpImageResources")
    public List<SyncResourceTemplateSpecification> internVLMcpImageResources(InternVLToolCallbackProvider provider) {
        return List.of(McpVisionTools.imageResources(provider.getImageStore()));
    }
}
