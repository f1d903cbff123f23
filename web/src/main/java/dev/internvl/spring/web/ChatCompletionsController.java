package dev.internvl.spring.web;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import dev.internvl.spring.ai.InternVLChatModel;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.Disposable;

/**
 * OpenAI-compatible chat completions ({@code POST /v1/chat/completions}, plain or streamed as server-sent events)
 * and model listing ({@code GET /v1/models}) on an {@link InternVLChatModel}, for the official OpenAI client
 * libraries and the tools built on them.
 *
 * <p>A streamed request is checked, its images decoded and the generation started before the response begins:
 * until the first token, errors are plain JSON errors with a 4xx status; after it, an error ends the stream with a
 * {@code data: {"error":...}} event. A client that disconnects stops the generation before its next token.
 *
 * <p>A request without {@code stream} is generated the same way and answered whole; once its answer is under way, a
 * {@link ClientWatch} checks that the client is still there (by writing spaces before the JSON) and stops the
 * generation when it is not. Both kinds end at {@link ApiSettings#maxRequestTime()}: with a 503 before the first
 * token, with finish reason {@code length} after it.
 */
@RestController
public class ChatCompletionsController extends ApiController {

    private static final Log logger = LogFactory.getLog(ChatCompletionsController.class);

    private final InternVLChatModel chatModel;
    private final List<String> modelNames;
    private final String modelId;
    private final ImageInputs images;
    private final long created = System.currentTimeMillis() / 1000;

    public ChatCompletionsController(InternVLChatModel chatModel, ApiSettings settings) {
        super(Objects.requireNonNull(settings, "settings"));
        this.chatModel = Objects.requireNonNull(chatModel, "chatModel");
        // the names it answers to: ApiSettings#servedModelNames, else the chat model's id; the first is reported
        this.modelNames = settings.modelNames(chatModel.getModelId());
        this.modelId = modelNames.get(0);
        this.images = new ImageInputs(settings);
    }

    @PostMapping(ApiPaths.CHAT_COMPLETIONS)
    public void complete(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!isJson(request.getContentType())) {
            throw ApiException.unsupportedMediaType(request.getContentType(), "application/json");
        }
        JsonObject body = Json.parseObject(body(request));
        ChatCompletionRequest r = ChatCompletionRequest.parse(body, modelNames, images, settings);
        Prompt prompt = new Prompt(r.messages(), r.options());
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long now = System.currentTimeMillis() / 1000;
        if (r.stream()) {
            stream(prompt, r.includeUsage(), id, now, response);
            return;
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
            return;
        }
        Collected answer = result.value();
        JsonObject message = new JsonObject();
        message.addProperty("role", "assistant");
        message.addProperty("content", answer.text());
        message.add("refusal", JsonNull.INSTANCE);
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        choice.add("message", message);
        choice.add("logprobs", JsonNull.INSTANCE);
        // an answer cut by the time limit ends as one cut by max_tokens
        choice.addProperty("finish_reason", answer.last == null ? "length" : finishReason(answer.last));
        JsonObject out = envelope(id, "chat.completion", now);
        JsonArray choices = new JsonArray();
        choices.add(choice);
        out.add("choices", choices);
        out.add("usage", usage(answer.last == null ? null : answer.last.getMetadata().getUsage()));
        Json.write(response, 200, out);
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

    private void stream(Prompt prompt, boolean includeUsage, String id, long now, HttpServletResponse response)
            throws IOException {
        // the time limit ends the stream as max_tokens would; one that ends before its first token is a 503
        Stream<ChatResponse> chunks = chatModel.stream(prompt).take(settings.maxRequestTime()).toStream(1);
        // Closing the stream cancels the generation: only for a client that went away. A stream that has ended is
        // left alone, so that its end is not reported as a cancellation.
        boolean ended = false;
        try {
            Iterator<ChatResponse> it = chunks.iterator();
            // The first signal: the request's errors (an image that does not decode, an option out of range, a
            // prompt longer than the context) arrive here, before anything is sent, and become 4xx JSON errors.
            boolean more;
            try {
                more = it.hasNext();
            } catch (RuntimeException e) {
                ended = true;
                throw e;
            }
            if (!more) {
                ended = true;
                logger.info("Chat completion stream " + id + ": no answer within the time limit of "
                        + settings.maxRequestTime());
                throw ApiException.timeout(settings.maxRequestTime());
            }
            response.setStatus(200);
            response.setContentType("text/event-stream");
            response.setCharacterEncoding("UTF-8");
            response.setHeader("Cache-Control", "no-cache");
            response.setHeader("X-Accel-Buffering", "no");
            OutputStream out = response.getOutputStream();
            try {
                JsonObject role = new JsonObject();
                role.addProperty("role", "assistant");
                role.addProperty("content", "");
                send(out, chunk(id, now, role, null));
                String finish = null;
                Usage usage = null;
                try {
                    while (more) {
                        ChatResponse c = it.next();
                        String text = c.getResult() == null ? null : c.getResult().getOutput().getText();
                        if (text != null && !text.isEmpty()) {
                            JsonObject delta = new JsonObject();
                            delta.addProperty("content", text);
                            send(out, chunk(id, now, delta, null));
                        }
                        if (c.getResult() != null && c.getResult().getMetadata().getFinishReason() != null) {
                            finish = finishReason(c);
                            usage = c.getMetadata().getUsage();
                        }
                        more = it.hasNext();
                    }
                    ended = true;
                    if (finish == null) { // the time limit cut it
                        finish = "length";
                    }
                } catch (RuntimeException e) {
                    ended = true;
                    send(out, ApiErrors.body(ApiErrors.resolve(e)));
                    return;
                }
                send(out, chunk(id, now, new JsonObject(), finish == null ? "stop" : finish));
                if (includeUsage) {
                    JsonObject last = envelope(id, "chat.completion.chunk", now);
                    last.add("choices", new JsonArray());
                    last.add("usage", usage(usage));
                    send(out, last);
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                logger.debug("Chat completion stream " + id + " ended by the client: " + e);
            }
        } finally {
            if (!ended) {
                chunks.close();
            }
        }
    }

    private static void send(OutputStream out, JsonElement event) throws IOException {
        out.write(("data: " + Json.toJson(event) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private JsonObject chunk(String id, long now, JsonObject delta, String finishReason) {
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        choice.add("delta", delta);
        choice.add("logprobs", JsonNull.INSTANCE);
        choice.addProperty("finish_reason", finishReason);
        JsonObject out = envelope(id, "chat.completion.chunk", now);
        JsonArray choices = new JsonArray();
        choices.add(choice);
        out.add("choices", choices);
        return out;
    }

    private JsonObject envelope(String id, String object, long now) {
        JsonObject out = new JsonObject();
        out.addProperty("id", id);
        out.addProperty("object", object);
        out.addProperty("created", now);
        out.addProperty("model", modelId);
        out.add("system_fingerprint", JsonNull.INSTANCE);
        return out;
    }

    /** {@code stop} or {@code length}, as OpenAI names them. */
    private static String finishReason(ChatResponse r) {
        String reason = r.getResult() == null ? null : r.getResult().getMetadata().getFinishReason();
        return reason != null && reason.toUpperCase(Locale.ROOT).equals("LENGTH") ? "length" : "stop";
    }

    private static JsonObject usage(Usage usage) {
        int prompt = usage == null || usage.getPromptTokens() == null ? 0 : usage.getPromptTokens();
        int completion = usage == null || usage.getCompletionTokens() == null ? 0 : usage.getCompletionTokens();
        JsonObject out = new JsonObject();
        out.addProperty("prompt_tokens", prompt);
        out.addProperty("completion_tokens", completion);
        out.addProperty("total_tokens", prompt + completion);
        return out;
    }

    @GetMapping(ApiPaths.MODELS)
    public void models(HttpServletResponse response) throws IOException {
        JsonObject out = new JsonObject();
        out.addProperty("object", "list");
        JsonArray data = new JsonArray();
        data.add(model(modelId));
        out.add("data", data);
        Json.write(response, 200, out);
    }

    @GetMapping(ApiPaths.MODELS + "/{*id}")
    public void model(@PathVariable("id") String id, HttpServletResponse response) throws IOException {
        String requested = id.startsWith("/") ? id.substring(1) : id;
        checkModel(requested, modelNames);
        Json.write(response, 200, model(requested)); // any served name, as asked
    }

    private JsonObject model(String name) {
        JsonObject m = new JsonObject();
        m.addProperty("id", name);
        m.addProperty("object", "model");
        m.addProperty("created", created);
        m.addProperty("owned_by", InternVLChatModel.PROVIDER);
        return m;
    }
}
