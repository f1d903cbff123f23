package dev.internvl.spring.web;

import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.spring.web.ChatCompletionJson.AnswerMessage;
import dev.internvl.spring.web.ChatCompletionJson.Choice;
import dev.internvl.spring.web.ChatCompletionJson.Completion;
import dev.internvl.spring.web.ChatCompletionJson.Model;
import dev.internvl.spring.web.ChatCompletionJson.ModelList;
import dev.internvl.spring.web.ChatCompletionJson.Tokens;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.Disposable;
import tools.jackson.databind.json.JsonMapper;

/**
 * OpenAI-compatible chat completions ({@code POST /v1/chat/completions}, plain or streamed as server-sent events)
 * and model listing ({@code GET /v1/models}) on an {@link InternVLChatModel}, for the official OpenAI client
 * libraries and the tools built on them.
 *
 * <p>A streamed request is checked, its images decoded and the generation started before the response begins:
 * until the first token, errors are plain JSON errors with a 4xx or 503 status; after it the answer is a
 * {@link ChatCompletionStream}. A request without {@code stream} is generated the same way and answered whole;
 * once its answer is under way, a {@link ClientWatch} checks that the client is still there (by writing spaces
 * before the JSON) and stops the generation when it is not. Both kinds end at {@link ApiSettings#maxRequestTime()}:
 * with a 503 before the first token, with finish reason {@code length} after it.
 */
@RestController
public class ChatCompletionsController extends ApiController {

    private final InternVLChatModel chatModel;
    private final long created = System.currentTimeMillis() / 1000;

    /** The endpoints on {@code chatModel}, their JSON written by Jackson's shared mapper. */
    public ChatCompletionsController(InternVLChatModel chatModel, ApiSettings settings) {
        this(chatModel, settings, JsonMapper.shared());
    }

    /** The endpoints on {@code chatModel}, their JSON written by {@code mapper} (the application's). */
    public ChatCompletionsController(InternVLChatModel chatModel, ApiSettings settings, JsonMapper mapper) {
        super(Objects.requireNonNull(settings, "settings"), Objects.requireNonNull(chatModel, "chatModel")
                .getModelId(), Objects.requireNonNull(mapper, "mapper"));
        this.chatModel = chatModel;
    }

    @PostMapping(ApiPaths.CHAT_COMPLETIONS)
    public Object complete(@RequestBody(required = false) ChatCompletionRequest request,
            HttpServletResponse response) {
        if (request == null) {
            throw ApiException.badRequest(null, "The request body is empty; send a JSON object");
        }
        checkModel(request.model());
        request.refuseUnsupported();
        Prompt prompt = new Prompt(request.prompt(images, settings), request.options(settings));
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long now = System.currentTimeMillis() / 1000;
        if (request.streamed()) {
            // the time limit ends the stream as max_tokens would; one that ends before its first token is a 503
            return ChatCompletionStream.start(chatModel.stream(prompt).take(settings.maxRequestTime()),
                    new Completion(id, "chat.completion.chunk", now, modelId, null, null, null),
                    request.includeUsage(), mapper, settings.maxRequestTime());
        }
        Answer<Collected> result = watched(response, "Chat completion " + id, watch -> {
            Collected collected = new Collected();
            CompletableFuture<Void> done = new CompletableFuture<>();
            Disposable generation = chatModel.stream(prompt).subscribe(c -> {
                watch.answering();
                collected.add(c);
            }, done::completeExceptionally, () -> done.complete(null));
            // the client went away or the time limit passed: the engine stops before its next token
            watch.onEnd(() -> {
                generation.dispose();
                done.complete(null);
            });
            await(done, generation);
            return collected;
        });
        if (result == null) {
            return null;
        }
        Collected answer = result.value();
        // an answer cut by the time limit ends as one cut by max_tokens
        Choice choice = new Choice(0, new AnswerMessage("assistant", answer.text(), null), null,
                answer.last == null ? "length" : finishReason(answer.last));
        return json(new Completion(id, "chat.completion", now, modelId, null, List.of(choice),
                Tokens.of(answer.last == null ? null : answer.last.getMetadata().getUsage())));
    }

    /** The text deltas of a streamed answer, and its last response (finish reason and usage) once it came. */
    private static final class Collected {
        private final StringBuilder text = new StringBuilder();
        private volatile ChatResponse last;

        synchronized void add(ChatResponse c) {
            if (c.getResult() == null) {
                return;
            }
            String delta = c.getResult().getOutput().getText();
            if (delta != null) {
                text.append(delta);
            }
            if (c.getResult().getMetadata().getFinishReason() != null) {
                last = c;
            }
        }

        synchronized String text() {
            return text.toString();
        }
    }

    /** Waits for {@code done}; an interrupted wait stops the generation. */
    private static void await(CompletableFuture<Void> done, Disposable generation) {
        try {
            done.get();
        } catch (InterruptedException e) {
            generation.dispose();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the answer", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** {@code stop} or {@code length}, as OpenAI names them; null while the answer goes on. */
    static String finishReason(ChatResponse r) {
        String reason = r.getResult() == null ? null : r.getResult().getMetadata().getFinishReason();
        if (reason == null) {
            return null;
        }
        return reason.toUpperCase(Locale.ROOT).equals("LENGTH") ? "length" : "stop";
    }

    @GetMapping(ApiPaths.MODELS)
    public ModelList models() {
        return new ModelList("list", List.of(modelOf(modelId)));
    }

    @GetMapping(ApiPaths.MODELS + "/{*id}")
    public Model model(@PathVariable("id") String id) {
        String requested = id.startsWith("/") ? id.substring(1) : id;
        checkModel(requested);
        return modelOf(requested); // any served name, as asked
    }

    private Model modelOf(String name) {
        return new Model(name, "model", created, InternVLChatModel.PROVIDER);
    }
}
