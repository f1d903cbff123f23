package dev.internvl.spring.autoconfigure;

import dev.internvl.InternVL;
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
import org.springframework.context.annotation.Bean;

/**
 * The Spring AI {@link ChatModel} on the InternVL engine, unless the application defines a {@link ChatModel} itself.
 * Observations go to the application's {@link ObservationRegistry} when there is one.
 */
@AutoConfiguration(after = InternVLAutoConfiguration.class)
@ConditionalOnClass(InternVLChatModel.class)
@ConditionalOnProperty(name = SpringAIModelProperties.CHAT_MODEL, havingValue = InternVLChatModel.PROVIDER,
        matchIfMissing = true)
@ConditionalOnBean(InternVL.class)
@EnableConfigurationProperties({InternVLProperties.class, InternVLChatProperties.class})
public class InternVLChatAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(ChatModel.class)
    public InternVLChatModel internVLChatModel(InternVL engine, InternVLProperties properties,
            InternVLChatProperties chatProperties, ObjectProvider<ObservationRegistry> observationRegistry,
            ObjectProvider<ChatModelObservationConvention> observationConvention) {
        String id = properties.getModel().getId();
        InternVLChatModel.Builder builder = InternVLChatModel.builder(engine)
                .modelId(id)
                .defaultOptions(chatProperties.toChatOptions(id))
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
