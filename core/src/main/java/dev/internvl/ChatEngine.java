package dev.internvl;

import dev.internvl.image.ImageDecoder;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;

/**
 * What answers InternVL chat rounds: the in-process engine ({@link InternVL}), or a remote one
 * ({@link dev.internvl.remote.RemoteEngine}: vLLM, LMDeploy or this project's own server, over the OpenAI chat
 * API). The Spring AI chat model, the grounding and OCR tasks, the agent tools and the HTTP endpoints work on this
 * interface, so an application moves between the two by configuration. Implementations are thread-safe.
 */
public interface ChatEngine extends AutoCloseable {

    /** Answers one round (see {@link InternVL#chat(ChatRequest)}). */
    default ChatAnswer chat(ChatRequest request) {
        return chat(request, ChatListener.SILENT);
    }

    /** Answers one round, streaming text to {@code listener} as it is generated. */
    ChatAnswer chat(ChatRequest request, ChatListener listener);

    /**
     * The cheap refusals of a request, made before its images are decoded.
     *
     * @throws RejectedExecutionException when the engine takes no more requests now
     * @throws InvalidRequestException    when the images alone do not fit the model's context
     */
    void precheck(List<ImageDecoder.Header> imageSizes, Integer maxTiles, Boolean thumbnail);

    /** How busy the engine is. */
    EngineStats stats();

    /** What answers, and how images are tiled. */
    ModelInfo info();

    /** The model's name: the checkpoint folder's in-process, the served model name remotely. */
    String modelName();

    /** The generation options of requests that carry none. */
    GenerationOptions defaultGeneration();

    /**
     * The first text in {@code text} that is one of the model's added tokens ({@code <|im_end|>}, {@code <ref>},
     * ...), if any: a caller's phrase that holds one could forge prompt structure.
     */
    Optional<String> addedTokenIn(String text);

    @Override
    void close();
}
