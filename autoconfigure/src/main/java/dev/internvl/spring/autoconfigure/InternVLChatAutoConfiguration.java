package dev.internvl.spring.autoconfigure;

import dev.internvl.ChatEngine;
import dev.internvl.spring.ai.InternVLChatModel;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.model.SpringAIModelProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.util.unit.DataSize;
import org.springframework.context.annotation.Bean;

/**
 * The Spring AI {@link ChatModel} on the InternVL engine (in-process or remote), unless the application defines a
 * {@link ChatModel} itself.
 * Observations go to the application's {@link ObservationRegistry} when there is one.
 */
@AutoConfiguration(after = InternVLAutoConfiguration.class)
@ConditionalOnClass(InternVLChatModel.class)
@ConditionalOnProperty(name = SpringAIModelProperties.CHAT_MODEL, havingValue = InternVLChatModel.PROVIDER,
        matchIfMissing = true)
@ConditionalOnBean(ChatEngine.class)
@EnableConfigurationProperties({InternVLProperties.class, InternVLChatProperties.class,
        InternVLVideoProperties.class})
public class InternVLChatAutoConfiguration {

    /**
     * The HTTP endpoints' max-request-size when the application has them (the web module, not turned off), which
     * an unset video max-bytes is derived from; null without them.
     */
    static Long webRequestBytes(Environment environment) {
        if (!ClassUtils.isPresent("dev.internvl.spring.web.InternVLApiFilter",
                InternVLChatAutoConfiguration.class.getClassLoader())
                || "false".equals(environment.getProperty(InternVLWebProperties.PREFIX + ".enabled"))) {
            return null;
        }
        return Binder.get(environment).bind(InternVLWebProperties.PREFIX + ".max-request-size", DataSize.class)
                .orElse(new InternVLWebProperties().getMaxRequestSize()).toBytes();
    }

    @Bean
    @ConditionalOnMissingBean(ChatModel.class)
    public InternVLChatModel internVLChatModel(ChatEngine engine, InternVLProperties properties,
            InternVLChatProperties chatProperties, InternVLVideoProperties videoProperties,
            Environment environment, ObjectProvider<ObservationRegistry> observationRegistry,
            ObjectProvider<ChatModelObservationConvention> observationConvention) {
        String id = properties.getModel().getId();
        InternVLChatModel.Builder builder = InternVLChatModel.builder(engine)
                .modelId(id)
                .defaultOptions(chatProperties.toChatOptions(id).mutate()
                        .videoFrames(videoProperties.getDefaultFrames()).build())
                .videoLimits(videoProperties.toLimits(webRequestBytes(environment)))
                .observationRegistry(observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP));
        observationConvention.ifAvailable(builder::observationConvention);
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            String property = InternVLChatProperties.PREFIX + ".options";
            throw new InternVLConfigurationException(property, "Invalid " + property + ": " + e.getMessage(), e);
        }
    }
}
