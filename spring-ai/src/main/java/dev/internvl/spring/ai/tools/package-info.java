/**
 * Vision tools for agents: InternVL's grounding, OCR and question answering as Spring AI tool callbacks, for a
 * {@code ChatClient} whose (planning) model calls tools. Images travel by reference: an {@link
 * dev.internvl.spring.ai.tools.ImageStore} holds decoded images under ids, and every tool takes an {@code image}
 * argument that is such an id or a {@code data:} URI. Tools that find things return typed
 * {@link dev.internvl.spring.ai.tools.Box}es in pixels, which the other tools accept back.
 *
 * <p>{@link dev.internvl.spring.ai.tools.InternVLToolCallbackProvider} bundles the built-in tools
 * ({@link dev.internvl.spring.ai.tools.VisionTools}) and an application's own
 * {@link dev.internvl.spring.ai.tools.VisionTool}s over one {@link dev.internvl.spring.ai.tools.VisionBackend}
 * ({@link dev.internvl.spring.ai.tools.InternVLVisionBackend} on the in-process engine).
 */
package dev.internvl.spring.ai.tools;
