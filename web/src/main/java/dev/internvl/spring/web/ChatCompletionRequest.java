package dev.internvl.spring.web;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.internvl.GenerationOptions;
import dev.internvl.InvalidOptionException;
import dev.internvl.InvalidRequestException;
import dev.internvl.video.VideoSampling;
import dev.internvl.spring.ai.InternVLChatOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.content.Media;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * An OpenAI chat completion request, as Jackson reads it (fields of the wrong type are 400s naming them, see
 * {@link ApiErrorAdvice}; fields it does not know are ignored), and its conversion to Spring AI messages and
 * {@link InternVLChatOptions}. Everything InternVL cannot honour is refused by name (tools, several choices, log
 * probabilities, JSON response formats); fields that do not change the answer ({@code user}, {@code metadata},
 * {@code store}, ...) are ignored.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
record ChatCompletionRequest(
        String model,
        List<ChatMessage> messages,
        Boolean stream,
        @JsonProperty("stream_options") StreamOptions streamOptions,
        @JsonDeserialize(using = WholeNumber.class) Long n,
        List<JsonNode> tools,
        JsonNode functions,
        Boolean logprobs,
        @JsonProperty("response_format") ResponseFormat responseFormat,
        @JsonProperty("max_completion_tokens") @JsonDeserialize(using = WholeNumber.class) Long maxCompletionTokens,
        @JsonProperty("max_tokens") @JsonDeserialize(using = WholeNumber.class) Long maxTokens,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        @JsonDeserialize(using = WholeNumber.class) Long seed,
        JsonNode stop,
        @JsonProperty("frequency_penalty") Double frequencyPenalty,
        @JsonProperty("presence_penalty") Double presencePenalty,
        @JsonProperty("top_k") @JsonDeserialize(using = WholeNumber.class) Long topK,
        @JsonProperty("repetition_penalty") Double repetitionPenalty,
        @JsonProperty("max_tiles") @JsonDeserialize(using = WholeNumber.class) Long maxTiles,
        @JsonProperty("media_io_kwargs") MediaIoKwargs mediaIoKwargs,
        @JsonProperty("skip_special_tokens") Boolean skipSpecialTokens,
        @JsonProperty("spaces_between_special_tokens") Boolean spacesBetweenSpecialTokens) {

    /** Stop sequences at most. */
    static final int MAX_STOP = 16;

    @JsonIgnoreProperties(ignoreUnknown = true)
    record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record ResponseFormat(String type) {
    }

    /** vLLM's per-request media loading options; only {@code video} is read. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record MediaIoKwargs(VideoKwargs video) {
    }

    /**
     * How a video is sampled: vLLM's {@code num_frames}, and InternVL's {@code start} and {@code end} (seconds, the
     * reference {@code load_video}'s {@code bound}). vLLM's {@code fps} sampling is not the reference's: refused.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record VideoKwargs(@JsonProperty("num_frames") @JsonDeserialize(using = WholeNumber.class) Long numFrames,
            Double start, Double end, JsonNode fps) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record ChatMessage(String role, Content content, @JsonProperty("tool_calls") JsonNode toolCalls,
            @JsonProperty("function_call") JsonNode functionCall) {
    }

    /** A message's content: a string, or an array of content parts. */
    static final class Content {
        final String text;
        final List<Part> parts;

        private Content(String text, List<Part> parts) {
            this.text = text;
            this.parts = parts;
        }

        @JsonCreator
        static Content of(String text) {
            return new Content(text, null);
        }

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        static Content of(List<Part> parts) {
            return new Content(null, parts);
        }
    }

    /** A content part, by its {@code type}. */
    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
    @JsonSubTypes({@JsonSubTypes.Type(value = TextPart.class, name = "text"),
            @JsonSubTypes.Type(value = ImagePart.class, name = "image_url"),
            @JsonSubTypes.Type(value = VideoPart.class, name = "video_url"),
            @JsonSubTypes.Type(value = RefusalPart.class, name = "refusal")})
    sealed interface Part permits TextPart, ImagePart, VideoPart, RefusalPart {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record TextPart(String text) implements Part {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record RefusalPart(String refusal) implements Part {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    record ImagePart(@JsonProperty("image_url") ImageUrl imageUrl) implements Part {
    }

    /** A video, as vLLM takes it: {@code {"type":"video_url","video_url":{"url":"data:video/mp4;base64,..."}}}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record VideoPart(@JsonProperty("video_url") ImageUrl videoUrl) implements Part {
    }

    /** {@code {"url": ...}}, or the URL alone. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ImageUrl(String url) {
        @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
        ImageUrl(@JsonProperty("url") String url) {
            this.url = url;
        }

        @JsonCreator
        static ImageUrl of(String url) {
            return new ImageUrl(url);
        }
    }

    /** Integers only: a fraction, a string or a number past a long is the field's 400, not a rounded value. */
    static final class WholeNumber extends ValueDeserializer<Long> {
        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) {
            if (p.currentToken() == JsonToken.VALUE_NUMBER_INT && (p.getNumberType() == JsonParser.NumberType.INT
                    || p.getNumberType() == JsonParser.NumberType.LONG)) {
                return p.getLongValue();
            }
            return (Long) ctxt.handleUnexpectedToken(Long.class, p);
        }
    }

    /** The request's messages as Spring AI's, its images read and checked ({@code images}, within the settings). */
    List<Message> prompt(ImageInputs images, ApiSettings settings) {
        if (messages == null || messages.isEmpty()) {
            throw ApiException.badRequest("messages", "'messages' is required: a non-empty array of messages");
        }
        List<Message> out = new ArrayList<>();
        int imageCount = 0;
        String firstVideo = null;
        String firstImage = null;
        for (int i = 0; i < messages.size(); i++) {
            String param = "messages[" + i + "]";
            ChatMessage m = messages.get(i);
            if (m == null) {
                throw ApiException.badRequest(param, "'" + param + "' must be an object with a role and content");
            }
            if (m.role() == null) {
                throw ApiException.badRequest(param + ".role", "'" + param + ".role' is required");
            }
            switch (m.role()) {
                case "system", "developer" -> out.add(new SystemMessage(textOnly(m.content(), param)));
                case "user" -> {
                    if (m.content() == null) {
                        throw ApiException.badRequest(param + ".content", "'" + param
                                + ".content' is required in user messages");
                    }
                    List<Media> media = new ArrayList<>();
                    StringBuilder text = new StringBuilder();
                    List<Part> parts = m.content().parts == null ? List.of(new TextPart(m.content().text))
                            : m.content().parts;
                    for (int j = 0; j < parts.size(); j++) {
                        String partParam = param + ".content[" + j + "]";
                        Part part = part(parts.get(j), partParam);
                        if (part instanceof TextPart t) {
                            append(text, t.text());
                        } else if (part instanceof ImagePart image) {
                            if (++imageCount > settings.maxImages()) {
                                // counted before anything is decoded or fetched
                                throw ApiException.badRequest("messages", "too_many_images", "Too many images: "
                                        + "this server accepts at most " + settings.maxImages() + " per request");
                            }
                            firstImage = firstImage != null ? firstImage : partParam;
                            checkNotMixed(firstImage, firstVideo);
                            media.add(media(image, partParam + ".image_url", images));
                        } else if (part instanceof VideoPart video) {
                            if (firstVideo != null) {
                                throw ApiException.badRequest(partParam, "too_many_videos", "Too many videos: "
                                        + "a request takes one video (" + firstVideo + " is the first)");
                            }
                            firstVideo = partParam;
                            checkNotMixed(firstImage, firstVideo);
                            media.add(video(video, partParam + ".video_url", images));
                        } else {
                            throw ApiException.badRequest(partParam + ".type", "Content part type 'refusal' is not "
                                    + "supported; use text, image_url and video_url");
                        }
                    }
                    out.add(UserMessage.builder().text(text.toString()).media(media).build());
                }
                case "assistant" -> {
                    if (m.toolCalls() != null && !m.toolCalls().isNull()
                            || m.functionCall() != null && !m.functionCall().isNull()) {
                        throw ApiException.badRequest(param, "Tool calls are not supported by InternVL");
                    }
                    out.add(new AssistantMessage(textOnly(m.content(), param)));
                }
                case "tool", "function" -> throw ApiException.badRequest(param + ".role", "'" + m.role()
                        + "' messages are not supported: InternVL has no tool calling");
                default -> throw ApiException.badRequest(param + ".role", "Unknown role '" + m.role()
                        + "'; use system, user or assistant");
            }
        }
        return out;
    }

    private static Part part(Part part, String param) {
        if (part == null) {
            throw ApiException.badRequest(param, "'" + param + "' must be a content part object");
        }
        return part;
    }

    private static Media media(ImagePart part, String param, ImageInputs images) {
        String url = part.imageUrl() == null ? null : part.imageUrl().url();
        if (url == null) {
            String missing = part.imageUrl() == null ? param : param + ".url";
            throw ApiException.badRequest(missing, "'" + missing + "' is required: the image as a data: URL");
        }
        if (part.imageUrl() != null) {
            param += ".url";
        }
        ImageInputs.EncodedImage image = images.fromUrl(url, param);
        images.checkImage(image, param);
        return Media.builder().mimeType(image.type()).data(image.bytes()).name(param).build();
    }

    /** A video goes alone: InternVL shows it as frames, and the reference's prompt has no place for images too. */
    private static void checkNotMixed(String image, String video) {
        if (image != null && video != null) {
            throw ApiException.badRequest("messages", "A request takes either images or one video, not both ("
                    + image + " is an image, " + video + " a video)");
        }
    }

    private static Media video(VideoPart part, String param, ImageInputs images) {
        String url = part.videoUrl() == null ? null : part.videoUrl().url();
        if (url == null) {
            String missing = part.videoUrl() == null ? param : param + ".url";
            throw ApiException.badRequest(missing, "'" + missing + "' is required: the video as a data: URL");
        }
        param += ".url";
        ImageInputs.EncodedImage video = images.fromVideoUrl(url, param);
        return Media.builder().mimeType(video.type()).data(video.bytes()).name(param).build();
    }

    /** The text of a message whose content may only be text: a string or an array of text parts. */
    private static String textOnly(Content content, String param) {
        if (content == null) {
            return "";
        }
        if (content.parts == null) {
            return content.text;
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < content.parts.size(); j++) {
            String partParam = param + ".content[" + j + "]";
            Part part = part(content.parts.get(j), partParam);
            if (part instanceof ImagePart || part instanceof VideoPart) {
                String type = part instanceof ImagePart ? "image_url" : "video_url";
                throw ApiException.badRequest(partParam, "Only text parts are allowed in this message; got '"
                        + type + "' (images and videos go in user messages)");
            }
            append(text, part instanceof TextPart t ? t.text() : ((RefusalPart) part).refusal());
        }
        return text.toString();
    }

    private static void append(StringBuilder text, String part) {
        if (part == null) {
            return;
        }
        if (!text.isEmpty()) {
            text.append('\n');
        }
        text.append(part);
    }

    /** Refuses what InternVL cannot honour, by name. */
    void refuseUnsupported() {
        if (n != null && n != 1) {
            throw ApiException.badRequest("n", "'n' must be 1: InternVL answers with one choice");
        }
        if (tools != null && !tools.isEmpty() || functions != null && !functions.isNull()) {
            throw ApiException.badRequest(tools != null ? "tools" : "functions",
                    "Tool calling is not supported by InternVL; leave 'tools' out");
        }
        if (Boolean.TRUE.equals(logprobs)) {
            throw ApiException.badRequest("logprobs", "'logprobs' is not supported; leave it out or false");
        }
        String format = responseFormat == null ? null : responseFormat.type();
        if (format != null && !format.equals("text")) {
            throw ApiException.badRequest("response_format", "response_format '" + format + "' is not supported; "
                    + "InternVL answers in text (ask for JSON in the message instead)");
        }
        zeroPenalty("frequency_penalty", frequencyPenalty);
        zeroPenalty("presence_penalty", presencePenalty);
    }

    private static void zeroPenalty(String name, Double v) {
        if (v != null && v != 0) {
            throw ApiException.badRequest(name, "'" + name + "' is not supported by InternVL (only 0); "
                    + "use 'repetition_penalty' (e.g. 1.1) to discourage repetition");
        }
    }

    /** The request's parameters by the engine's names of the options they set. */
    private static final Map<String, String> PARAMS = Map.of("maxNewTokens", "max_tokens", "temperature",
            "temperature", "topP", "top_p", "topK", "top_k", "repetitionPenalty", "repetition_penalty", "stopStrings",
            "stop", "maxTiles", "max_tiles");

    /**
     * The request's options; unset fields keep the chat model's defaults. The engine's rules check the values
     * here, before anything runs, so that a wrong one is a 400 naming the request's parameter; the server's own
     * limits (the tokens a request may book, {@code web.max-tokens}; the number of stop sequences) beside them.
     */
    InternVLChatOptions options(ApiSettings settings) {
        String tokensParam = maxCompletionTokens != null ? "max_completion_tokens" : "max_tokens";
        Integer tokens = integer(tokensParam, maxCompletionTokens != null ? maxCompletionTokens : maxTokens);
        // Bounded: each token is a decode step of the shared engine and a cache position held until the end.
        if (tokens != null && (tokens < 1 || tokens > settings.maxTokens())) {
            throw ApiException.badRequest(tokensParam, "'" + tokensParam + "' must be between 1 and "
                    + settings.maxTokens() + ", got " + tokens);
        }
        Integer k = integer("top_k", topK);
        Integer tiles = integer("max_tiles", maxTiles);
        List<String> stops = stopSequences();
        try {
            GenerationOptions.Builder engine = GenerationOptions.builder();
            if (tokens != null) {
                engine.maxNewTokens(tokens);
            }
            if (temperature != null) {
                engine.temperature(temperature);
            }
            if (topP != null) {
                engine.topP(topP);
            }
            if (k != null) {
                engine.topK(k);
            }
            if (repetitionPenalty != null) {
                engine.repetitionPenalty(repetitionPenalty);
            }
            engine.stopStrings(stops).build();
            InvalidOptionException.checkTiles("maxTiles", tiles);
        } catch (InvalidOptionException e) {
            String param = e.field().equals("maxNewTokens") ? tokensParam : PARAMS.getOrDefault(e.field(), e.field());
            throw ApiException.badRequest(param, "'" + param + "' " + e.rule() + ", got " + e.value());
        }
        VideoKwargs video = mediaIoKwargs == null ? null : mediaIoKwargs.video();
        Integer frames = video == null ? null : integer("media_io_kwargs.video.num_frames", video.numFrames());
        if (video != null) {
            if (video.fps() != null && !video.fps().isNull()) {
                throw ApiException.badRequest("media_io_kwargs.video.fps", "'media_io_kwargs.video.fps' is not "
                        + "supported: InternVL samples a video as its reference does, 'num_frames' frames from "
                        + "equal segments (optionally between 'start' and 'end' seconds)");
            }
            try {
                new VideoSampling(frames == null ? VideoSampling.DEFAULT_FRAMES : frames, video.start(),
                        video.end());
            } catch (InvalidOptionException e) {
                throw ApiException.badRequest("media_io_kwargs.video.num_frames", "'media_io_kwargs.video"
                        + ".num_frames' " + e.rule() + ", got " + e.value());
            } catch (InvalidRequestException e) {
                throw ApiException.badRequest("media_io_kwargs.video", "'media_io_kwargs.video': "
                        + e.getMessage());
            }
        }
        return InternVLChatOptions.builder().maxTokens(tokens).temperature(temperature).topP(topP).seed(seed)
                .stopSequences(stops)
                .videoFrames(frames).videoStart(video == null ? null : video.start())
                .videoEnd(video == null ? null : video.end())
                // InternVL's own sampling options, as other OpenAI-compatible servers accept them
                .topK(k).repetitionPenalty(repetitionPenalty).maxTiles(tiles)
                // vLLM's: false keeps <ref>/<box> in the answer, as grounding needs. spaces_between_special_tokens
                // is accepted either way: this engine never puts spaces around special tokens (what false asks)
                .skipSpecialTokens(skipSpecialTokens)
                .specialTokensInText(settings.specialTokensInText()).build();
    }

    /** A whole-number parameter as an {@code int}; one beyond its range is a 400 naming it. */
    private static Integer integer(String param, Long v) {
        if (v != null && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
            throw ApiException.badRequest(param, "'" + param + "' is out of range, got " + v);
        }
        return v == null ? null : v.intValue();
    }

    private List<String> stopSequences() {
        if (stop == null || stop.isNull()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : stop.isArray() ? stop : List.of(stop)) {
            if (!s.isString()) {
                throw ApiException.badRequest("stop", "'stop' must be a string or an array of strings");
            }
            out.add(s.asString());
        }
        if (out.size() > MAX_STOP) {
            throw ApiException.badRequest("stop", "'stop' has " + out.size() + " sequences; at most " + MAX_STOP);
        }
        return out.isEmpty() ? null : out;
    }

    boolean streamed() {
        return Boolean.TRUE.equals(stream);
    }

    boolean includeUsage() {
        return streamOptions != null && Boolean.TRUE.equals(streamOptions.includeUsage());
    }
}
