package dev.internvl.spring.web;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.internvl.spring.ai.InternVLChatOptions;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.content.Media;

/**
 * An OpenAI chat completion request read into Spring AI messages and {@link InternVLChatOptions}. Everything InternVL
 * cannot honour is refused by name (tools, several choices, log probabilities, JSON response formats); fields that do
 * not change the answer ({@code user}, {@code metadata}, {@code store}, ...) are ignored.
 *
 * @param messages     system, user (text and images) and assistant messages, in order
 * @param options      the request's options; unset fields keep the chat model's defaults
 * @param stream       whether to answer with server-sent events
 * @param includeUsage whether a stream ends with a usage chunk ({@code stream_options.include_usage})
 */
record ChatCompletionRequest(List<Message> messages, InternVLChatOptions options, boolean stream,
        boolean includeUsage) {

    /** Stop sequences at most. */
    static final int MAX_STOP = 16;

    static ChatCompletionRequest parse(JsonObject body, List<String> modelNames, ImageInputs images,
            ApiSettings settings) {
        ApiController.checkModel(Json.string(body, "model", "model"), modelNames);
        refuseUnsupported(body);
        List<Message> messages = messages(body, images, settings);
        InternVLChatOptions options = options(body, settings.maxTokens()).mutate()
                .specialTokensInText(settings.specialTokensInText()).build();
        boolean stream = Boolean.TRUE.equals(Json.bool(body, "stream", "stream"));
        JsonObject streamOptions = Json.object(body, "stream_options", "stream_options");
        boolean includeUsage = streamOptions != null
                && Boolean.TRUE.equals(Json.bool(streamOptions, "include_usage", "stream_options.include_usage"));
        return new ChatCompletionRequest(messages, options, stream, includeUsage);
    }

    private static void refuseUnsupported(JsonObject body) {
        Long n = Json.integer(body, "n", "n");
        if (n != null && n != 1) {
            throw ApiException.badRequest("n", "'n' must be 1: InternVL answers with one choice");
        }
        JsonArray tools = Json.has(body, "tools") ? Json.array(body, "tools", "tools") : null;
        if ((tools != null && !tools.isEmpty()) || Json.has(body, "functions")) {
            throw ApiException.badRequest(tools != null ? "tools" : "functions",
                    "Tool calling is not supported by InternVL; leave 'tools' out");
        }
        if (Boolean.TRUE.equals(Json.bool(body, "logprobs", "logprobs"))) {
            throw ApiException.badRequest("logprobs", "'logprobs' is not supported; leave it out or false");
        }
        JsonObject format = Json.object(body, "response_format", "response_format");
        if (format != null) {
            String type = Json.string(format, "type", "response_format.type");
            if (type != null && !type.equals("text")) {
                throw ApiException.badRequest("response_format", "response_format '" + type + "' is not supported; "
                        + "InternVL answers in text (ask for JSON in the message instead)");
            }
        }
    }

    private static List<Message> messages(JsonObject body, ImageInputs images, ApiSettings settings) {
        JsonArray array = Json.array(body, "messages", "messages");
        if (array == null || array.isEmpty()) {
            throw ApiException.badRequest("messages", "'messages' is required: a non-empty array of messages");
        }
        List<Message> out = new ArrayList<>();
        int[] imageCount = {0};
        for (int i = 0; i < array.size(); i++) {
            String param = "messages[" + i + "]";
            JsonElement e = array.get(i);
            if (!e.isJsonObject()) {
                throw ApiException.badRequest(param, "'" + param + "' must be an object with a role and content");
            }
            JsonObject m = e.getAsJsonObject();
            String role = Json.string(m, "role", param + ".role");
            if (role == null) {
                throw ApiException.badRequest(param + ".role", "'" + param + ".role' is required");
            }
            switch (role) {
                case "system", "developer" -> out.add(new SystemMessage(textOnly(m, param)));
                case "user" -> {
                    List<Media> media = new ArrayList<>();
                    String text = userContent(m, param, images, media, imageCount, settings.maxImages());
                    out.add(UserMessage.builder().text(text).media(media).build());
                }
                case "assistant" -> {
                    if (Json.has(m, "tool_calls") || Json.has(m, "function_call")) {
                        throw ApiException.badRequest(param, "Tool calls are not supported by InternVL");
                    }
                    out.add(new AssistantMessage(textOnly(m, param)));
                }
                case "tool", "function" -> throw ApiException.badRequest(param + ".role", "'" + role + "' messages "
                        + "are not supported: InternVL has no tool calling");
                default -> throw ApiException.badRequest(param + ".role", "Unknown role '" + role + "'; use system, "
                        + "user or assistant");
            }
        }
        return out;
    }

    /** The text of a message whose content may only be text: a string or an array of text parts. */
    private static String textOnly(JsonObject m, String param) {
        if (!Json.has(m, "content")) {
            return "";
        }
        JsonElement content = m.get("content");
        if (content.isJsonPrimitive() && content.getAsJsonPrimitive().isString()) {
            return content.getAsString();
        }
        if (!content.isJsonArray()) {
            throw ApiException.badRequest(param + ".content", "'" + param + ".content' must be a string or an array "
                    + "of content parts");
        }
        StringBuilder text = new StringBuilder();
        JsonArray parts = content.getAsJsonArray();
        for (int j = 0; j < parts.size(); j++) {
            String partParam = param + ".content[" + j + "]";
            JsonObject part = part(parts.get(j), partParam);
            String type = Json.string(part, "type", partParam + ".type");
            if (!"text".equals(type) && !"refusal".equals(type)) {
                throw ApiException.badRequest(partParam, "Only text parts are allowed in this message; got '" + type
                        + "' (images go in user messages)");
            }
            append(text, Json.string(part, "text".equals(type) ? "text" : "refusal", partParam + "." + type));
        }
        return text.toString();
    }

    private static String userContent(JsonObject m, String param, ImageInputs images, List<Media> media,
            int[] imageCount, int maxImages) {
        if (!Json.has(m, "content")) {
            throw ApiException.badRequest(param + ".content", "'" + param + ".content' is required in user messages");
        }
        JsonElement content = m.get("content");
        if (content.isJsonPrimitive() && content.getAsJsonPrimitive().isString()) {
            return content.getAsString();
        }
        if (!content.isJsonArray()) {
            throw ApiException.badRequest(param + ".content", "'" + param + ".content' must be a string or an array "
                    + "of content parts");
        }
        StringBuilder text = new StringBuilder();
        JsonArray parts = content.getAsJsonArray();
        for (int j = 0; j < parts.size(); j++) {
            String partParam = param + ".content[" + j + "]";
            JsonObject part = part(parts.get(j), partParam);
            String type = Json.string(part, "type", partParam + ".type");
            if ("text".equals(type)) {
                append(text, Json.string(part, "text", partParam + ".text"));
            } else if ("image_url".equals(type)) {
                String urlParam = partParam + ".image_url";
                JsonElement imageUrl = part.get("image_url");
                String url;
                if (imageUrl != null && imageUrl.isJsonObject()) {
                    url = Json.string(imageUrl.getAsJsonObject(), "url", urlParam + ".url");
                    urlParam += ".url";
                } else {
                    url = Json.string(part, "image_url", urlParam);
                }
                if (url == null) {
                    throw ApiException.badRequest(urlParam, "'" + urlParam + "' is required: the image as a data: URL");
                }
                if (++imageCount[0] > maxImages) {
                    // counted before anything is decoded or fetched
                    throw ApiException.badRequest("messages", "too_many_images", "Too many images: this server "
                            + "accepts at most " + maxImages + " per request");
                }
                ImageInputs.EncodedImage image = images.fromUrl(url, urlParam);
                images.checkImage(image, urlParam);
                media.add(Media.builder().mimeType(image.type()).data(image.bytes()).name(urlParam).build());
            } else {
                throw ApiException.badRequest(partParam + ".type", "Content part type '" + type + "' is not "
                        + "supported; use text and image_url");
            }
        }
        return text.toString();
    }

    private static JsonObject part(JsonElement e, String param) {
        if (!e.isJsonObject()) {
            throw ApiException.badRequest(param, "'" + param + "' must be a content part object");
        }
        return e.getAsJsonObject();
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

    private static InternVLChatOptions options(JsonObject body, int maxTokensCap) {
        InternVLChatOptions.Builder b = InternVLChatOptions.builder();
        // Bounded: each token is a decode step of the shared engine and a cache position held until the end.
        Integer maxTokens = Json.integer(body, "max_completion_tokens", "max_completion_tokens", 1, maxTokensCap);
        if (maxTokens == null) {
            maxTokens = Json.integer(body, "max_tokens", "max_tokens", 1, maxTokensCap);
        }
        b.maxTokens(maxTokens);
        Double temperature = Json.number(body, "temperature", "temperature");
        if (temperature != null && (temperature < 0 || temperature > 2)) {
            throw ApiException.badRequest("temperature", "'temperature' must be between 0 and 2 (0 decodes "
                    + "greedily), got " + temperature);
        }
        b.temperature(temperature);
        Double topP = Json.number(body, "top_p", "top_p");
        if (topP != null && !(topP > 0 && topP <= 1)) {
            throw ApiException.badRequest("top_p", "'top_p' must be greater than 0 and at most 1, got " + topP);
        }
        b.topP(topP);
        b.seed(Json.integer(body, "seed", "seed"));
        b.stopSequences(stop(body));
        for (String penalty : new String[] {"frequency_penalty", "presence_penalty"}) {
            Double v = Json.number(body, penalty, penalty);
            if (v != null && v != 0) {
                throw ApiException.badRequest(penalty, "'" + penalty + "' is not supported by InternVL (only 0); "
                        + "use 'repetition_penalty' (e.g. 1.1) to discourage repetition");
            }
        }
        // InternVL's own sampling options, as other OpenAI-compatible servers accept them
        b.topK(Json.integer(body, "top_k", "top_k", 0, Integer.MAX_VALUE));
        Double repetition = Json.number(body, "repetition_penalty", "repetition_penalty");
        if (repetition != null && repetition <= 0) {
            throw ApiException.badRequest("repetition_penalty", "'repetition_penalty' must be greater than 0 "
                    + "(1 is off), got " + repetition);
        }
        b.repetitionPenalty(repetition);
        b.maxTiles(Json.integer(body, "max_tiles", "max_tiles", 1, 40));
        return b.build();
    }

    private static List<String> stop(JsonObject body) {
        if (!Json.has(body, "stop")) {
            return null;
        }
        JsonElement stop = body.get("stop");
        List<String> out = new ArrayList<>();
        if (stop.isJsonPrimitive() && stop.getAsJsonPrimitive().isString()) {
            out.add(stop.getAsString());
        } else if (stop.isJsonArray()) {
            for (JsonElement s : stop.getAsJsonArray()) {
                if (!s.isJsonPrimitive() || !s.getAsJsonPrimitive().isString()) {
                    throw ApiException.badRequest("stop", "'stop' must be a string or an array of strings");
                }
                out.add(s.getAsString());
            }
        } else {
            throw ApiException.badRequest("stop", "'stop' must be a string or an array of strings");
        }
        if (out.size() > MAX_STOP) {
            throw ApiException.badRequest("stop", "'stop' has " + out.size() + " sequences; at most " + MAX_STOP);
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ApiException.badRequest("stop", "'stop' sequences must not be empty");
        }
        return out.isEmpty() ? null : out;
    }
}
