package dev.internvl.spring.autoconfigure;

import dev.internvl.ChatEngine;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.InvalidOptionException;
import dev.internvl.grounding.VisionTaskOptions;
import dev.internvl.spring.ai.tools.ImageStore;
import dev.internvl.spring.ai.tools.InternVLToolCallbackProvider;
import dev.internvl.spring.ai.tools.InternVLVisionBackend;
import dev.internvl.spring.ai.tools.VisionBackend;
import dev.internvl.spring.ai.tools.VisionTool;
import dev.internvl.spring.ai.tools.VisionTools;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.ai.tool.ToolCallbackProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * InternVL's vision tools for agents: the {@code internVLToolCallbackProvider} (a Spring AI
 * {@link ToolCallbackProvider} of the built-in tools and every {@link VisionTool} bean), the {@link ImageStore} they
 * share and the {@link VisionBackend} on the engine. Active when there is an engine and
 * {@code spring.ai.internvl.tools.enabled} is not false; each tool is switched by
 * {@code spring.ai.internvl.tools.<name>.enabled} (the name in kebab case: {@code locate-objects}), application
 * tools too. The application's own beans of these types win (a provider also when it is named
 * {@code internVLToolCallbackProvider}).
 */
@AutoConfiguration(after = InternVLAutoConfiguration.class)
@ConditionalOnClass({InternVLToolCallbackProvider.class, ToolCallbackProvider.class})
@ConditionalOnProperty(prefix = InternVLToolsProperties.PREFIX, name = "enabled", havingValue = "true",
        matchIfMissing = true)
@ConditionalOnBean(ChatEngine.class)
@EnableConfigurationProperties(InternVLToolsProperties.class)
public class InternVLToolsAutoConfiguration {

    /** The name of the tool callback provider bean. */
    public static final String PROVIDER_BEAN = "internVLToolCallbackProvider";

    private static final String PREFIX = InternVLToolsProperties.PREFIX + ".";

    @Bean
    @ConditionalOnMissingBean
    public ImageStore internVLImageStore(InternVLToolsProperties properties) {
        InternVLToolsProperties.ImageStoreProperties p = properties.getImageStore();
        String prefix = PREFIX + "image-store.";
        if (p.getMaxImages() < 1) {
            throw new InternVLConfigurationException(prefix + "max-images", prefix + "max-images="
                    + p.getMaxImages() + " must be at least 1");
        }
        if (p.getMaxBytes() == null || p.getMaxBytes().toBytes() < 3) {
            throw new InternVLConfigurationException(prefix + "max-bytes", prefix + "max-bytes=" + p.getMaxBytes()
                    + " must hold at least one pixel (3 bytes); e.g. 256MB");
        }
        if (p.getMaxDataUriSize() == null || p.getMaxDataUriSize().toBytes() < 1) {
            throw new InternVLConfigurationException(prefix + "max-data-uri-size", prefix + "max-data-uri-size="
                    + p.getMaxDataUriSize() + " must be positive; e.g. 16MB");
        }
        return new ImageStore(p.getMaxImages(), p.getMaxBytes().toBytes(), p.getMaxDataUriSize().toBytes());
    }

    @Bean
    @ConditionalOnMissingBean
    public VisionBackend internVLVisionBackend(ChatEngine engine, InternVLToolsProperties properties) {
        VisionTaskOptions options;
        try {
            options = VisionTaskOptions.defaults().withMaxTiles(properties.getMaxTiles());
            if (properties.getMaxTokens() != null) {
                options = options.withGeneration(GenerationOptions.builder().maxNewTokens(properties.getMaxTokens())
                        .build());
            }
        } catch (InvalidOptionException e) {
            throw InternVLAutoConfiguration.configurationError(e, Map.of("maxTiles", PREFIX + "max-tiles",
                    "maxNewTokens", PREFIX + "max-tokens"));
        }
        return new InternVLVisionBackend(engine, options);
    }

    @Bean(PROVIDER_BEAN)
    @ConditionalOnMissingBean(value = InternVLToolCallbackProvider.class, name = PROVIDER_BEAN)
    public InternVLToolCallbackProvider internVLToolCallbackProvider(VisionBackend backend, ImageStore imageStore,
            InternVLToolsProperties properties, ObjectProvider<VisionTool<?>> tools, Environment environment) {
        Map<String, InternVLToolsProperties.Tool> builtIn = Map.of(
                VisionTools.LOCATE_OBJECTS, properties.getLocateObjects(),
                VisionTools.READ_TEXT, properties.getReadText(),
                VisionTools.DESCRIBE_IMAGE, properties.getDescribeImage(),
                VisionTools.CROP_REGION, properties.getCropRegion(),
                VisionTools.ASK_ABOUT_REGION, properties.getAskAboutRegion(),
                VisionTools.DRAW_BOXES, properties.getDrawBoxes());
        List<VisionTool<?>> added = tools.orderedStream().toList();
        return InternVLToolCallbackProvider.builder(backend, imageStore)
                .tools(added)
                .enabled(name -> {
                    // an application tool named like a built-in one replaces it, and shares its switch
                    InternVLToolsProperties.Tool own = builtIn.get(name);
                    return own != null ? own.isEnabled()
                            : environment.getProperty(enabledProperty(name), Boolean.class, Boolean.TRUE);
                })
                .build();
    }

    /** {@code spring.ai.internvl.tools.<name>.enabled}, the name in kebab case. */
    static String enabledProperty(String toolName) {
        return PREFIX + toolName.toLowerCase(Locale.ROOT).replace('_', '-') + ".enabled";
    }
}
