package dev.internvl.remote;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.internvl.ChatAnswer;
import dev.internvl.ChatEngine;
import dev.internvl.ChatListener;
import dev.internvl.ChatRequest;
import dev.internvl.EngineStats;
import dev.internvl.FinishReason;
import dev.internvl.GenerationOptions;
import dev.internvl.ImageLayout;
import dev.internvl.InvalidRequestException;
import dev.internvl.ModelInfo;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.ImageEncoder;
import dev.internvl.image.RgbImage;
import dev.internvl.text.ChatPromptBuilder;
import dev.internvl.text.ChatTurn;
import dev.internvl.text.InternVLTokens;
import dev.internvl.text.MultiImageQuestions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A {@link ChatEngine} on one or several OpenAI-compatible servers that serve an InternVL checkpoint: vLLM, LMDeploy,
 * or this project's own server ({@link RemoteOptions.Flavor}). The chat model, grounding and OCR tasks, agent tools
 * and HTTP endpoints above it work as with the in-process engine.
 *
 * <p>A round goes out as the reference {@code chat()} builds it: the system message (when the request sets one),
 * the history's questions with their {@code <image>} placeholders, the question with the prefix the in-process
 * engine gives it ({@code <image>\n}, {@code Image-1: <image>\n...}, {@code Frame1: <image>\n...}), and each image,
 * as a lossless PNG {@code data:} URL, in the message that holds its placeholder. Tile limits, sampling settings and
 * {@code skip_special_tokens} (grounding keeps {@code <ref>}/{@code <box>}) go as each server spells them. Answers
 * are streamed ({@code stream_options.include_usage}); a listener that cancels closes the connection, which aborts
 * the request on the server.
 *
 * <p>Replicas: each request goes to the replica with the fewest requests in flight. A replica that cannot be
 * connected to, closes the connection before any byte of an answer, or answers 503 or 429, is marked down (for its
 * {@code Retry-After}, else {@link RemoteOptions#downFor()}) and the request tries the next one: no answer came from
 * there, so the caller still gets exactly one. An answer that has begun, or an error answer, is not retried. A down
 * replica comes back when a health check ({@code GET /v1/models}) succeeds after its time is up.
 */
public final class RemoteEngine implements ChatEngine {

    /** InternVL's added tokens whose text a caller's phrase must not hold (see {@link #addedTokenIn}). */
    private static final List<String> MARKERS = List.of(InternVLTokens.IMG_START, InternVLTokens.IMG_END,
            InternVLTokens.IMG_CONTEXT, InternVLTokens.REF_START, InternVLTokens.REF_END, InternVLTokens.BOX_START,
            InternVLTokens.BOX_END, InternVLTokens.QUAD_START, InternVLTokens.QUAD_END, "<|im_start|>",
            "<|im_end|>", "<|endoftext|>", "<|end|>", "<|user|>", "<|assistant|>", "<|system|>", "<s>", "</s>");

    private final RemoteOptions options;
    private final HttpClient http;
    private final List<Replica> replicas;
    private final AtomicInteger turn = new AtomicInteger();
    private final ScheduledExecutorService health;
    private volatile boolean closed;

    private RemoteEngine(RemoteOptions options) {
        this.options = options;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout()).build();
        this.replicas = options.baseUrls().stream().map(Replica::new).toList();
        this.health = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "internvl-remote-health");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(200, options.downFor().toMillis() / 2);
        health.scheduleWithFixedDelay(this::checkDownReplicas, every, every, TimeUnit.MILLISECONDS);
    }

    /** An engine on {@code options}' replicas; nothing is sent until the first request. */
    public static RemoteEngine connect(RemoteOptions options) {
        return new RemoteEngine(options);
    }

    @Override
    public ChatAnswer chat(ChatRequest request, ChatListener listener) {
        if (closed) {
            throw new IllegalStateException("the remote engine is closed");
        }
        Conversation c = conversation(request);
        GenerationOptions g = request.generation() != null ? request.generation() : options.defaults();
        byte[] body = body(request, c, g).toString().getBytes(StandardCharsets.UTF_8);
        List<String> refused = new ArrayList<>();
        for (int attempt = 0; attempt < replicas.size(); attempt++) {
            Replica r = pick();
            if (r == null) {
                break;
            }
            r.inFlight.incrementAndGet();
            long start = System.nanoTime();
            try {
                HttpResponse<InputStream> response;
                try {
                    response = http.send(post(r, body), HttpResponse.BodyHandlers.ofInputStream());
                } catch (HttpConnectTimeoutException | ConnectException e) {
                    r.down("cannot connect: " + e, options.downFor());
                    refused.add(r.url + " (" + e.getClass().getSimpleName() + ")");
                    continue; // the request never left: another replica may take it
                } catch (HttpTimeoutException e) {
                    throw new IllegalStateException(r.url + " did not answer within " + options.requestTimeout(), e);
                } catch (IOException e) {
                    // the connection closed before any byte of an answer (a restarted server's kept-alive
                    // connection, a server that died): no answer exists, so another replica may give the one answer
                    r.down("closed the connection without answering: " + e, options.downFor());
                    refused.add(r.url + " (" + e.getClass().getSimpleName() + ")");
                    continue;
                }
                int status = response.statusCode();
                if (status == 503 || status == 429) {
                    String text = drain(response.body());
                    r.down("answered " + status + ": " + abbreviate(text), retryAfter(response));
                    refused.add(r.url + " (" + status + ")");
                    continue; // refused unprocessed: another replica may take it
                }
                if (status != 200) {
                    throw failure(r, status, drain(response.body()));
                }
                ChatAnswer answer;
                try {
                    answer = read(r, response, listener, c);
                } catch (IOException e) {
                    // the answer had begun: the model has the request, so it is not sent again elsewhere
                    r.down("broke off an answer: " + e, options.downFor());
                    throw new UncheckedIOException(r.url + " broke off its answer", e);
                }
                r.answered(System.nanoTime() - start);
                return answer;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + r.url, e);
            } finally {
                r.inFlight.decrementAndGet();
            }
        }
        throw new RejectedExecutionException("no replica of " + options.model() + " takes the request now"
                + (refused.isEmpty() ? "" : ": " + String.join(", ", refused)) + "; replicas: " + describeReplicas());
    }

    /** The replica that takes the next request: the up one with the fewest requests in flight, in turns. */
    private Replica pick() {
        int n = replicas.size();
        int first = Math.floorMod(turn.getAndIncrement(), n);
        Replica best = null;
        for (int i = 0; i < n; i++) {
            Replica r = replicas.get((first + i) % n);
            if (r.up && (best == null || r.inFlight.get() < best.inFlight.get())) {
                best = r;
            }
        }
        return best;
    }

    /**
     * The messages of a request (each image in the user message that holds its placeholder), and the rounds the
     * answer's history is made of: the request's own and its question as sent.
     */
    private record Conversation(List<JsonObject> messages, int imageCount, List<ChatTurn> history, String question) {
    }

    /**
     * The request's rounds as OpenAI messages: the question prefixed as the in-process engine prefixes it, and each
     * image in the message whose text holds its placeholder.
     */
    private Conversation conversation(ChatRequest request) {
        List<RgbImage> images = request.images();
        if (request.layout() == ImageLayout.COMBINED && images.size() > 1) {
            throw new InvalidRequestException("a remote engine shows each image as its own <image>: the COMBINED "
                    + "layout (all tiles as one image) is only available in-process");
        }
        String question = ChatPromptBuilder.imagePrefixed(MultiImageQuestions.place(request.question(),
                images.size(), request.layout(), !request.history().isEmpty()), request.history().isEmpty(),
                images.size());
        List<String> userTexts = new ArrayList<>();
        request.history().forEach(t -> userTexts.add(t.question()));
        userTexts.add(question);
        int placeholders = userTexts.stream().mapToInt(InternVLTokens::countPlaceholders).sum();
        if (placeholders < images.size()) {
            throw new InvalidRequestException("The prompt holds " + placeholders + " " + InternVLTokens.IMAGE_PLACEHOLDER
                    + " placeholder(s) (history and question together) but " + images.size() + " image(s) were "
                    + "given; each image needs its own placeholder");
        }
        List<JsonObject> messages = new ArrayList<>();
        if (request.systemMessage() != null) {
            messages.add(message("system", new com.google.gson.JsonPrimitive(request.systemMessage())));
        }
        int next = 0;
        for (int i = 0; i < userTexts.size(); i++) {
            String text = userTexts.get(i);
            int take = Math.min(InternVLTokens.countPlaceholders(text), images.size() - next);
            messages.add(message("user", content(text, images.subList(next, next + take), request)));
            next += take;
            if (i < request.history().size()) {
                ChatTurn turn = request.history().get(i);
                messages.add(message("assistant", new com.google.gson.JsonPrimitive(
                        turn.answer() == null ? "" : turn.answer())));
            }
        }
        return new Conversation(messages, images.size(), request.history(), question);
    }

    private static JsonObject message(String role, JsonElement content) {
        JsonObject m = new JsonObject();
        m.addProperty("role", role);
        m.add("content", content);
        return m;
    }

    /** A user message's parts: its text (placeholders as the server spells them), then its images. */
    private JsonElement content(String text, List<RgbImage> images, ChatRequest request) {
        String spelled = options.flavor() == RemoteOptions.Flavor.LMDEPLOY
                ? text.replace(InternVLTokens.IMAGE_PLACEHOLDER, "<IMAGE_TOKEN>") : text;
        if (images.isEmpty()) {
            return new com.google.gson.JsonPrimitive(spelled);
        }
        JsonArray parts = new JsonArray();
        JsonObject t = new JsonObject();
        t.addProperty("type", "text");
        t.addProperty("text", spelled);
        parts.add(t);
        Integer tiles = tiles(request);
        for (RgbImage image : images) {
            JsonObject url = new JsonObject();
            url.addProperty("url", ImageEncoder.pngDataUri(image)); // lossless: the server tiles the same pixels
            if (options.flavor() == RemoteOptions.Flavor.LMDEPLOY && tiles != null) {
                url.addProperty("max_dynamic_patch", tiles);
            }
            JsonObject part = new JsonObject();
            part.addProperty("type", "image_url");
            part.add("image_url", url);
            parts.add(part);
        }
        return parts;
    }

    /** The request's tiles per image: its own, else 1 for a video's frames (as the in-process engine), else none. */
    private static Integer tiles(ChatRequest request) {
        if (request.maxTiles() != null) {
            return request.maxTiles();
        }
        return request.layout() == ImageLayout.FRAMES ? 1 : null;
    }

    private JsonObject body(ChatRequest request, Conversation c, GenerationOptions g) {
        JsonObject o = new JsonObject();
        o.addProperty("model", options.model());
        JsonArray messages = new JsonArray();
        c.messages().forEach(messages::add);
        o.add("messages", messages);
        o.addProperty("stream", true);
        JsonObject streamOptions = new JsonObject();
        streamOptions.addProperty("include_usage", true);
        o.add("stream_options", streamOptions);
        o.addProperty("max_tokens", g.maxNewTokens());
        o.addProperty("temperature", g.temperature());
        if (g.topP() < 1) {
            o.addProperty("top_p", g.topP());
        }
        if (g.topK() > 0) {
            o.addProperty("top_k", g.topK());
        }
        if (g.repetitionPenalty() != 1) {
            o.addProperty("repetition_penalty", g.repetitionPenalty());
        }
        if (g.seed() != null) {
            o.addProperty("seed", g.seed());
        }
        if (!g.stopStrings().isEmpty()) {
            JsonArray stop = new JsonArray();
            g.stopStrings().forEach(stop::add);
            o.add("stop", stop);
        }
        if (!g.stopTokenIds().isEmpty() && options.flavor() != RemoteOptions.Flavor.INTERNVL) {
            JsonArray ids = new JsonArray();
            g.stopTokenIds().forEach(ids::add);
            o.add("stop_token_ids", ids);
        }
        if (!g.skipSpecialTokens()) {
            o.addProperty("skip_special_tokens", false);
            o.addProperty("spaces_between_special_tokens", false);
        }
        Integer tiles = tiles(request);
        if (c.imageCount() > 0 && tiles != null) {
            if (options.flavor() == RemoteOptions.Flavor.INTERNVL) {
                o.addProperty("max_tiles", tiles);
            } else if (options.flavor() == RemoteOptions.Flavor.VLLM) {
                JsonObject kwargs = new JsonObject();
                kwargs.addProperty("max_dynamic_patch", tiles);
                if (request.thumbnail() != null) {
                    kwargs.addProperty("use_thumbnail", request.thumbnail());
                }
                o.add("mm_processor_kwargs", kwargs);
            }
        }
        return o;
    }

    private HttpRequest post(Replica r, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(r.url.resolve(r.url.getPath() + "/v1/chat/completions"))
                .timeout(options.requestTimeout())
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (options.apiKey() != null) {
            b.header("Authorization", "Bearer " + options.apiKey());
        }
        return b.build();
    }

    /** Reads a streamed answer (or, from a server that does not stream, a whole one). */
    private ChatAnswer read(Replica r, HttpResponse<InputStream> response, ChatListener listener, Conversation c)
            throws IOException {
        String type = response.headers().firstValue("Content-Type").orElse("");
        StringBuilder text = new StringBuilder();
        String finish = null;
        try (InputStream in = response.body();
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            if (!type.startsWith("text/event-stream")) {
                JsonObject whole = parse(r, lines.lines().collect(Collectors.joining("\n")));
                JsonObject choice = whole.getAsJsonArray("choices").get(0).getAsJsonObject();
                String content = string(choice.getAsJsonObject("message"), "content");
                listener.onText(content);
                return answer(content, string(choice, "finish_reason"), object(whole, "usage"), c);
            }
            String line;
            JsonObject usage = null;
            while ((line = lines.readLine()) != null) {
                if (!line.startsWith("data:")) {
                    continue;
                }
                String data = line.substring(5).strip();
                if (data.equals("[DONE]")) {
                    break;
                }
                JsonObject chunk = parse(r, data);
                if (chunk.has("error") || "error".equals(string(chunk, "object"))) {
                    throw failure(r, 500, data);
                }
                if (object(chunk, "usage") != null) {
                    usage = object(chunk, "usage"); // vLLM: the last chunk; LMDeploy: every chunk
                }
                JsonArray choices = chunk.has("choices") && chunk.get("choices").isJsonArray()
                        ? chunk.getAsJsonArray("choices") : new JsonArray();
                if (choices.isEmpty()) {
                    continue;
                }
                JsonObject choice = choices.get(0).getAsJsonObject();
                String reason = string(choice, "finish_reason");
                if ("error".equals(reason)) {
                    throw new IllegalStateException(r.url + " failed while answering: " + abbreviate(data));
                }
                if (reason != null) {
                    finish = reason;
                }
                JsonObject delta = object(choice, "delta");
                String piece = delta == null ? null : string(delta, "content");
                if (piece != null && !piece.isEmpty()) {
                    text.append(piece);
                    listener.onText(piece);
                }
                if (listener.cancelled()) {
                    return answer(text.toString(), "cancelled", usage, c); // closing the stream aborts the request
                }
            }
            return answer(text.toString(), finish, usage, c);
        }
    }

    private ChatAnswer answer(String text, String finish, JsonObject usage, Conversation c) {
        return new ChatAnswer(text, finishReason(finish), usage == null ? 0 : intOf(usage, "prompt_tokens"),
                usage == null ? 0 : intOf(usage, "completion_tokens"), new long[0], history(c, text));
    }

    /** The history the in-process engine returns: the request's rounds, then the question as sent and the answer. */
    private static List<ChatTurn> history(Conversation c, String answer) {
        List<ChatTurn> turns = new ArrayList<>(c.history());
        turns.add(new ChatTurn(c.question(), answer));
        return List.copyOf(turns);
    }

    private static FinishReason finishReason(String reason) {
        if (reason == null) {
            return FinishReason.STOP;
        }
        return switch (reason) {
            case "length" -> FinishReason.LENGTH;
            case "cancelled", "abort" -> FinishReason.CANCELLED;
            default -> FinishReason.STOP;
        };
    }

    /** A failed answer: the server's message (OpenAI's {@code {"error":{...}}} or the flat form vLLM and LMDeploy use). */
    private RuntimeException failure(Replica r, int status, String body) {
        String message = body;
        String code = null;
        String param = null;
        try {
            JsonObject o = JsonParser.parseString(body).getAsJsonObject();
            JsonObject e = o.has("error") && o.get("error").isJsonObject() ? o.getAsJsonObject("error") : o;
            if (e.has("message")) {
                message = string(e, "message");
            } else if (e.has("text")) {
                message = string(e, "text"); // LMDeploy's proxy
            }
            code = e.has("code") && e.get("code").isJsonPrimitive() && !e.get("code").getAsJsonPrimitive().isNumber()
                    ? e.get("code").getAsString() : string(e, "type");
            param = string(e, "param");
        } catch (RuntimeException notJson) {
            // the body as it came
        }
        if (status >= 400 && status < 500 && status != 401 && status != 403 && status != 404) {
            return new InvalidRequestException(message, code, param, null);
        }
        if (status >= 500) {
            r.down("answered " + status + ": " + abbreviate(message), options.downFor());
        }
        return new IllegalStateException(r.url + " answered " + status + ": " + abbreviate(message));
    }

    private JsonObject parse(Replica r, String data) {
        try {
            return JsonParser.parseString(data).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalStateException(r.url + " sent what is not a chat completion: " + abbreviate(data), e);
        }
    }

    /** The object under {@code key}, or null when there is none (absent, null, or not an object). */
    private static JsonObject object(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonObject() ? e.getAsJsonObject() : null;
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static int intOf(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? 0 : e.getAsInt();
    }

    private Duration retryAfter(HttpResponse<?> response) {
        Optional<String> h = response.headers().firstValue("Retry-After");
        if (h.isPresent()) {
            try {
                long s = Long.parseLong(h.get().strip());
                if (s >= 0 && s < 86_400) {
                    return Duration.ofSeconds(Math.max(1, s));
                }
            } catch (NumberFormatException httpDate) {
                // an HTTP date: use the default
            }
        }
        return options.downFor();
    }

    private static String drain(InputStream in) {
        try (in) {
            byte[] b = in.readNBytes(64 * 1024);
            return new String(b, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(" + e + ")";
        }
    }

    private static String abbreviate(String s) {
        String one = s == null ? "" : s.replace('\n', ' ').strip();
        return one.length() <= 300 ? one : one.substring(0, 300) + "...";
    }

    /** Probes the down replicas whose time is up; a replica whose {@code /v1/models} answers 200 is up again. */
    private void checkDownReplicas() {
        for (Replica r : replicas) {
            if (!r.up && System.nanoTime() >= r.retryAt) {
                HttpRequest.Builder b = HttpRequest.newBuilder(r.url.resolve(r.url.getPath() + "/v1/models"))
                        .timeout(options.connectTimeout()).GET();
                if (options.apiKey() != null) {
                    b.header("Authorization", "Bearer " + options.apiKey());
                }
                try {
                    HttpResponse<Void> h = http.send(b.build(), HttpResponse.BodyHandlers.discarding());
                    if (h.statusCode() == 200) {
                        r.up = true;
                        r.lastError = null;
                    } else {
                        r.down("health check answered " + h.statusCode(), options.downFor());
                    }
                } catch (IOException e) {
                    r.down("health check: " + e, options.downFor());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Each replica's state, for health details and logs. */
    public List<ReplicaStatus> replicas() {
        return replicas.stream().map(r -> new ReplicaStatus(r.url, r.up, r.inFlight.get(), r.answered.get(),
                r.meanLatencyMs(), r.lastError)).toList();
    }

    /**
     * One replica as the engine sees it.
     *
     * @param url           its base URL
     * @param up            whether it takes requests
     * @param inFlight      requests it is answering now
     * @param answered      requests it answered
     * @param meanLatencyMs mean time of its answers, whole answers (0 before the first)
     * @param lastError     why it was last marked down, or null
     */
    public record ReplicaStatus(URI url, boolean up, int inFlight, long answered, double meanLatencyMs,
            String lastError) {
    }

    private String describeReplicas() {
        return replicas.stream().map(r -> r.url + (r.up ? " up" : " down (" + r.lastError + ")"))
                .collect(Collectors.joining(", "));
    }

    @Override
    public void precheck(List<ImageDecoder.Header> imageSizes, Integer maxTiles, Boolean thumbnail) {
        if (closed) {
            throw new IllegalStateException("the remote engine is closed");
        }
        if (replicas.stream().noneMatch(r -> r.up)) {
            throw new RejectedExecutionException("no replica of " + options.model() + " is up: "
                    + describeReplicas());
        }
    }

    @Override
    public EngineStats stats() {
        int running = replicas.stream().mapToInt(r -> r.inFlight.get()).sum();
        String failure = replicas.stream().anyMatch(r -> r.up) ? null : "no replica is up: " + describeReplicas();
        return new EngineStats(running, 0, failure, 0);
    }

    @Override
    public ModelInfo info() {
        List<String> urls = replicas.stream().map(r -> r.url.toString()).toList();
        return new ModelInfo(null, "remote " + options.flavor().name().toLowerCase(java.util.Locale.ROOT),
                "remote", String.join(",", urls), urls, "remote", "remote", null, 448, 1,
                options.maxTiles() == null ? 12 : options.maxTiles(), true, 256, options.contextLength(),
                false);
    }

    @Override
    public String modelName() {
        return options.model();
    }

    @Override
    public GenerationOptions defaultGeneration() {
        return options.defaults();
    }

    @Override
    public Optional<String> addedTokenIn(String text) {
        int best = -1;
        String found = null;
        for (String m : MARKERS) {
            int at = text.indexOf(m);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
                found = m;
            }
        }
        return Optional.ofNullable(found);
    }

    /** The options this engine was made with. */
    public RemoteOptions options() {
        return options;
    }

    @Override
    public void close() {
        closed = true;
        health.shutdownNow();
    }

    /** A server and what the engine knows of it. */
    private static final class Replica {
        final URI url;
        final AtomicInteger inFlight = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
        final java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        volatile boolean up = true;
        volatile long retryAt;
        volatile String lastError;

        Replica(URI url) {
            this.url = url;
        }

        void down(String why, Duration for_) {
            lastError = why;
            retryAt = System.nanoTime() + for_.toNanos();
            up = false;
        }

        void answered(long elapsed) {
            nanos.addAndGet(elapsed);
            answered.incrementAndGet();
        }

        double meanLatencyMs() {
            long n = answered.get();
            return n == 0 ? 0 : nanos.get() / 1e6 / n;
        }
    }
}
