/**
 * Spring AI on InternVL: {@link dev.internvl.spring.ai.InternVLChatModel} (a {@code ChatModel} and
 * {@code StreamingChatModel} on an in-process {@link dev.internvl.InternVL} engine) and its options,
 * {@link dev.internvl.spring.ai.InternVLChatOptions}. Usable without Spring Boot; the auto-configuration lives in
 * {@code internvl-spring-boot-autoconfigure}. Vision tools for agents (Spring AI tool callbacks on the engine) are in
 * {@link dev.internvl.spring.ai.tools}.
 */
package dev.internvl.spring.ai;
