package dev.internvl.spring.autoconfigure;

import dev.internvl.ChatEngine;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code internvl} health indicator, when Actuator (Spring Boot's health support) is on the class path; turned off
 * with {@code management.health.internvl.enabled=false}.
 */
@AutoConfiguration(after = InternVLAutoConfiguration.class)
@ConditionalOnClass({ChatEngine.class, HealthIndicator.class})
@ConditionalOnBean(ChatEngine.class)
@ConditionalOnEnabledHealthIndicator("internvl")
@EnableConfigurationProperties(InternVLProperties.class) // also when the application's engine is there without the chat model
public class InternVLHealthContributorAutoConfiguration {

    /** Named so that Actuator, which drops the {@code HealthIndicator} suffix, reports it as {@code internvl}. */
    @Bean("internvlHealthIndicator")
    @ConditionalOnMissingBean(name = "internvlHealthIndicator")
    public InternVLHealthIndicator internvlHealthIndicator(ChatEngine engine, InternVLProperties properties) {
        return new InternVLHealthIndicator(engine, properties.getModel().getId());
    }
}
