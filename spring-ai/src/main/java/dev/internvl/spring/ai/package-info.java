/**
 * Spring AI on InternVL: {@link dev.internvl.spring.ai.InternVLChatModel} (a {@code ChatModel} and
 * {@code StreamingChatModel} on an in-process {@link dev.internvl.InternVL} engine) and its options,
 * {@link dev.internvl.spring.ai.InternVLChatOptions}. Usable without Spring Boot; the auto-configuration lives in
 * {@code internvl-spring-boot-autoconfigure}.
 */
package dev.internvl.spring.ai;
