/**
 * Spring Boot auto-configuration of InternVL: the engine ({@link dev.internvl.spring.autoconfigure.InternVLAutoConfiguration}),
 * the Spring AI chat model ({@link dev.internvl.spring.autoconfigure.InternVLChatAutoConfiguration}) and the
 * Actuator health indicator ({@link dev.internvl.spring.autoconfigure.InternVLHealthContributorAutoConfiguration}),
 * configured under {@code spring.ai.internvl}.
 */
package dev.internvl.spring.autoconfigure;
