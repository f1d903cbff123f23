package dev.internvl.spring.web;

import dev.internvl.spring.web.ChatCompletionJson.ChunkChoice;
import dev.internvl.spring.web.ChatCompletionJson.Completion;
import dev.internvl.spring.web.ChatCompletionJson.Delta;
import dev.internvl.spring.web.ChatCompletionJson.Tokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.http.MediaType;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import reactor.core.publisher.Flux;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A streamed chat completion: OpenAI's server-sent events, {@code data: {chunk}} each, the role first, then the
 * text, a chunk with the finish reason ({@code length} when the time limit cut the answer), with
 * {@code include_usage} a chunk of usage, and {@code data: [DONE]}. An error after the first token ends the stream
 * with a {@code data: {"error":...}} event. A client that went away is noticed at the next write, and the generation
 * stops before its next token.
 *
 * <p>The events are written from a thread of their own, one per stream, so that a slow client never holds the
 * engine's; each event is one line of compact JSON, whatever the application's indentation.
 */
final class ChatCompletionStream extends SseEmitter {

    private static final Log logger = LogFactory.getLog(ChatCompletionStream.class);

    private static final MediaType TEXT = new MediaType("text", "plain", StandardCharsets.UTF_8);

    private static final ExecutorService WRITERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "internvl-chat-stream");
        t.setDaemon(true);
        return t;
    });

    private final Completion envelope;
    private final boolean includeUsage;
    private final JsonMapper mapper;

    private ChatCompletionStream(Completion envelope, boolean includeUsage, JsonMapper mapper, Duration limit) {
        super(limit.toMillis() + 60_000); // the answer ends at the limit; the margin is for writing it
        this.envelope = envelope;
        this.includeUsage = includeUsage;
        this.mapper = mapper;
    }

    /**
     * Waits for the first signal of {@code answer} (its errors, a busy engine, an image that does not decode, are
     * thrown from here, before the response begins; no token within {@code limit} is a 503 {@code timeout}), then
     * streams the rest.
     *
     * @param envelope the id, time and model of every chunk
     */
    static ChatCompletionStream start(Flux<ChatResponse> answer, Completion envelope, boolean includeUsage,
            JsonMapper mapper, Duration limit) {
        Stream<ChatResponse> chunks = answer.toStream(1);
        Iterator<ChatResponse> it = chunks.iterator();
        if (!it.hasNext()) {
            logger.info("Chat completion stream " + envelope.id() + ": no answer within the time limit of " + limit);
            throw ApiException.timeout(limit);
        }
        ChatCompletionStream stream = new ChatCompletionStream(envelope, includeUsage, mapper, limit);
        WRITERS.execute(() -> stream.write(chunks, it));
        return stream;
    }

    @Override
    protected void extendResponse(ServerHttpResponse response) {
        super.extendResponse(response);
        // the chunks are written with the header's charset: without one, the servlet's ISO-8859-1 turned every
        // character beyond Latin-1 into '?'
        response.getHeaders().setContentType(new MediaType("text", "event-stream", StandardCharsets.UTF_8));
        response.getHeaders().setCacheControl("no-cache");
        response.getHeaders().set("X-Accel-Buffering", "no");
    }

    private void write(Stream<ChatResponse> chunks, Iterator<ChatResponse> it) {
        // Closing the stream cancels the generation: only for a client that went away. A stream that has ended is
        // left alone, so that its end is not reported as a cancellation.
        boolean ended = false;
        try {
            event(chunk(new Delta("assistant", ""), null));
            String finish = null;
            Usage usage = null;
            try {
                for (boolean more = true; more; more = it.hasNext()) {
                    ChatResponse c = it.next();
                    String text = c.getResult() == null ? null : c.getResult().getOutput().getText();
                    if (text != null && !text.isEmpty()) {
                        event(chunk(new Delta(null, text), null));
                    }
                    String reason = ChatCompletionsController.finishReason(c);
                    if (reason != null) {
                        finish = reason;
                        usage = c.getMetadata().getUsage();
                    }
                }
            } catch (RuntimeException e) {
                ended = true;
                event(ApiErrors.Body.of(ApiErrors.resolve(e)));
                complete();
                return;
            }
            ended = true;
            event(chunk(new Delta(null, null), finish == null ? "length" : finish)); // null: the time limit cut it
            if (includeUsage) {
                event(new Completion(envelope.id(), envelope.object(), envelope.created(), envelope.model(), null,
                        List.of(), Tokens.of(usage)));
            }
            raw("data: [DONE]\n\n");
            complete();
        } catch (IOException e) {
            logger.debug("Chat completion stream " + envelope.id() + " ended by the client: " + e);
        } finally {
            if (!ended) {
                chunks.close();
            }
        }
    }

    private Completion chunk(Delta delta, String finishReason) {
        return new Completion(envelope.id(), envelope.object(), envelope.created(), envelope.model(), null,
                List.of(new ChunkChoice(0, delta, null, finishReason)), null);
    }

    private void event(Object data) throws IOException {
        raw("data: " + mapper.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(data)
                + "\n\n");
    }

    private void raw(String text) throws IOException {
        send(Set.of(new DataWithMediaType(text, TEXT)));
    }
}
