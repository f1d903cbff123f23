package dev.internvl.spring.ai;

import dev.internvl.ChatRequest;
import dev.internvl.GenerationOptions;
import dev.internvl.InvalidRequestException;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import dev.internvl.text.ChatTurn;
import dev.internvl.text.InternVLTokens;
import dev.internvl.text.MultiImageQuestions;
import dev.internvl.video.VideoDecodeException;
import dev.internvl.video.VideoDecoder;
import dev.internvl.video.VideoFrames;
import dev.internvl.video.VideoLimits;
import dev.internvl.video.VideoSampling;
import dev.internvl.video.Videos;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.content.Media;
import org.springframework.core.io.Resource;

/**
 * Turns Spring AI messages into one InternVL {@link ChatRequest}.
 *
 * <ul>
 *   <li>System messages (joined by a newline when there are several) replace the system prompt.</li>
 *   <li>User and assistant messages before the last user message become the history; consecutive messages of one
 *       role are joined by a newline. The conversation must end with a user message.</li>
 *   <li>Images are the media of the user messages, in message order. With one image in the whole conversation its
 *       message's question starts with {@code <image>\n}; with several, each message's question starts with
 *       {@code Image-N: <image>\n} per image of that message, N counting across the conversation. The engine gets
 *       all images in that order.</li>
 *   <li>A video is a media of a {@code video/*} type: at most one in the conversation, and not together with
 *       images. Its frames are sampled as the options say ({@link InternVLChatOptions#getVideoFrames()}, the
 *       bound), decoded by the installed {@link VideoDecoder} under the {@link VideoLimits}, and its message's
 *       question starts with {@code Frame1: <image>\nFrame2: <image>\n...}, as the reference's video example.</li>
 *   <li>{@code <image>} placeholders already in a user message's text are used as given (the reference
 *       {@code chat()} prefixes a question only when it holds none; vLLM adds only the missing ones): a message
 *       whose media need P placeholders (one per image, one per sampled frame of a video) and whose text holds
 *       K gets the prefix of its first P - K media only, in the styles above and numbered as those media
 *       ({@code Image-1: <image>\n} for the first of two images, {@code Frame1: <image>\n} ... for the first
 *       P - K frames); K = 0 is the whole prefix, K &ge; P none. The engine fills the placeholders of the whole
 *       prompt with the images in order; placeholders beyond the images stay text.</li>
 * </ul>
 */
final class PromptConverter {

    static final String IMAGE = "<image>";

    private PromptConverter() {
    }

    /** A user or assistant entry of the conversation, same-role neighbours joined. */
    private static final class Entry {
        final MessageType role;
        final StringBuilder text = new StringBuilder();

        Entry(MessageType role) {
            this.role = role;
        }

        void append(String t) {
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(t);
        }
    }

    static ChatRequest toChatRequest(List<Message> messages, InternVLChatOptions options, GenerationOptions generation) {
        return toChatRequest(messages, options, generation, headers -> { }, VideoLimits.DEFAULTS);
    }

    /**
     * The engine's request for {@code messages}; {@code precheck} sees the images' headers (their sizes) before any
     * of them is decoded, and may refuse the request there (for a video, with no headers, before it is decoded).
     */
    static ChatRequest toChatRequest(List<Message> messages, InternVLChatOptions options, GenerationOptions generation,
            Consumer<List<ImageDecoder.Header>> precheck, VideoLimits videoLimits) {
        if (messages == null || messages.isEmpty()) {
            throw new InvalidRequestException("The prompt has no messages; InternVL needs a user message");
        }
        List<Encoded> encoded = new ArrayList<>();
        List<ImageDecoder.Header> headers = new ArrayList<>();
        Encoded video = null;
        for (Message m : messages) {
            if (m instanceof UserMessage u) {
                for (Media media : u.getMedia()) {
                    if (isVideo(media)) {
                        String what = describe(media);
                        if (video != null) {
                            throw new InvalidRequestException(what + ": a conversation takes at most one video ("
                                    + video.what() + " is the first)");
                        }
                        video = new Encoded(bytes(media, what, VideoDecodeException.INVALID_VIDEO), what);
                        continue;
                    }
                    Encoded image = Encoded.of(media);
                    // ImageDecodeException is an InvalidRequestException (code invalid_image or image_too_large)
                    // whose message starts with the media's description
                    headers.add(ImageDecoder.readHeader(image.bytes(), image.what(), ImageDecoder.DEFAULT_MAX_PIXELS));
                    encoded.add(image);
                }
            }
        }
        VideoDecoder decoder = null;
        VideoSampling sampling = null;
        if (video != null) {
            if (!encoded.isEmpty()) {
                throw new InvalidRequestException("A conversation takes either images or one video, not both: "
                        + video.what() + " comes with " + encoded.size() + " image(s)");
            }
            sampling = sampling(options);
            videoLimits.checkSampling(sampling);
            decoder = Videos.decoder(); // video_not_supported, naming the module, when none is installed
        }
        precheck.accept(headers);
        int totalImages = encoded.size();
        VideoFrames frames = video == null ? null : decoder.decode(video.bytes(), video.what(), sampling, videoLimits);
        List<String> system = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        List<RgbImage> images = new ArrayList<>();
        for (Message m : messages) {
            MessageType type = m.getMessageType();
            String text = m.getText() == null ? "" : m.getText();
            switch (type) {
                case SYSTEM -> system.add(text);
                case USER -> {
                    List<Media> media = ((UserMessage) m).getMedia();
                    // the placeholders this message's media fill: one per image, one per sampled frame
                    int needed = 0;
                    for (Media md : media) {
                        needed += isVideo(md) ? frames.frames().size() : 1;
                    }
                    // those the text already holds are used as given; only the missing ones are prefixed
                    int missing = Math.max(0, needed - InternVLTokens.countPlaceholders(text));
                    StringBuilder question = new StringBuilder();
                    for (Media md : media) {
                        if (isVideo(md)) {
                            if (missing > 0) {
                                question.append(MultiImageQuestions.videoFrames(missing, ""));
                                missing = 0;
                            }
                            continue;
                        }
                        images.add(encoded.get(images.size()).decode());
                        if (missing > 0) {
                            question.append(totalImages == 1 ? "" : "Image-" + images.size() + ": ").append(IMAGE)
                                    .append('\n');
                            missing--;
                        }
                    }
                    question.append(text);
                    add(entries, MessageType.USER).append(question.toString());
                }
                case ASSISTANT -> {
                    if (entries.isEmpty()) {
                        throw new InvalidRequestException("An assistant message comes before any user message; "
                                + "the conversation must start with a user message (after system messages)");
                    }
                    add(entries, MessageType.ASSISTANT).append(text);
                }
                default -> throw new InvalidRequestException("InternVL does not support " + type.getValue()
                        + " messages (tool calling is not available); use system, user and assistant messages");
            }
        }
        if (entries.isEmpty() || entries.get(entries.size() - 1).role != MessageType.USER) {
            String last = messages.get(messages.size() - 1).getMessageType().getValue();
            throw new InvalidRequestException("The last message must be a user message (the question to answer), "
                    + "but its type is '" + last + "'");
        }
        List<ChatTurn> history = new ArrayList<>();
        for (int i = 0; i + 1 < entries.size(); i += 2) {
            history.add(new ChatTurn(entries.get(i).text.toString(), entries.get(i + 1).text.toString()));
        }
        ChatRequest.Builder b = ChatRequest.builder(entries.get(entries.size() - 1).text.toString())
                .history(history)
                .systemMessage(system.isEmpty() ? null : String.join("\n", system))
                .maxTiles(options.getMaxTiles())
                .thumbnail(options.getThumbnail())
                .specialTokensInText(options.getSpecialTokensInText())
                .generation(generation);
        images.forEach(b::image);
        if (frames != null) {
            b.video(frames);
        }
        return b.build();
    }

    private static boolean isVideo(Media media) {
        return "video".equalsIgnoreCase(media.getMimeType().getType());
    }

    /** The frames the options ask for: {@link VideoSampling#DEFAULT_FRAMES} unless set, optionally bounded. */
    static VideoSampling sampling(InternVLChatOptions options) {
        int n = options.getVideoFrames() == null ? VideoSampling.DEFAULT_FRAMES : options.getVideoFrames();
        return new VideoSampling(n, options.getVideoStart(), options.getVideoEnd());
    }

    private static Entry add(List<Entry> entries, MessageType role) {
        if (!entries.isEmpty() && entries.get(entries.size() - 1).role == role) {
            return entries.get(entries.size() - 1);
        }
        Entry e = new Entry(role);
        entries.add(e);
        return e;
    }

    /**
     * The encoded bytes of an image {@link Media} (bytes, a Resource, or a {@code data:} / {@code file:} URI) and how
     * errors name it; media of other types are refused.
     */
    private record Encoded(byte[] bytes, String what) {

        static Encoded of(Media media) {
            String what = describe(media);
            if (!"image".equalsIgnoreCase(media.getMimeType().getType())) {
                throw invalidImage(what + " is not supported: InternVL reads images (image/jpeg, image/png, "
                        + "image/gif, image/bmp, image/webp) and videos (video/*)", null);
            }
            return new Encoded(PromptConverter.bytes(media, what, InvalidRequestException.INVALID_IMAGE), what);
        }

        RgbImage decode() {
            return ImageDecoder.decode(bytes, what);
        }
    }

    /** A media the request sent that is not a usable image: code {@code invalid_image}. */
    private static InvalidRequestException invalidImage(String message, Throwable cause) {
        return invalid(message, InvalidRequestException.INVALID_IMAGE, cause);
    }

    /** A media the request sent that cannot be read: {@code code} is {@code invalid_image} or {@code invalid_video}. */
    private static InvalidRequestException invalid(String message, String code, Throwable cause) {
        return new InvalidRequestException(message, code, null, cause);
    }

    private static String describe(Media media) {
        return "media '" + media.getName() + "' (" + media.getMimeType() + ")";
    }

    private static byte[] bytes(Media media, String what, String code) {
        Object data = media.getData();
        try {
            if (data instanceof byte[] b) {
                return b;
            }
            if (data instanceof Resource r) {
                return r.getContentAsByteArray();
            }
            if (data instanceof Path p) {
                return Files.readAllBytes(p);
            }
            if (data instanceof File f) {
                return Files.readAllBytes(f.toPath());
            }
            if (data instanceof URI || data instanceof URL || data instanceof String) {
                return fromUri(data.toString(), what, code);
            }
        } catch (IOException e) {
            throw invalid(what + " could not be read: " + e, code, e);
        }
        throw invalid(what + " holds a " + (data == null ? "null" : data.getClass().getName())
                + "; give the data as bytes, a Resource, or a data: or file: URI", code, null);
    }

    private static byte[] fromUri(String uri, String what, String code) throws IOException {
        String lower = uri.toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) {
            int comma = uri.indexOf(',');
            if (comma < 0) {
                throw invalid(what + " has a data: URI without a comma", code, null);
            }
            String header = uri.substring(5, comma).toLowerCase(Locale.ROOT);
            String payload = uri.substring(comma + 1);
            if (header.endsWith(";base64")) {
                try {
                    return Base64.getMimeDecoder().decode(payload);
                } catch (IllegalArgumentException e) {
                    throw invalid(what + " has a data: URI whose base64 is invalid: "
                            + e.getMessage(), code, e);
                }
            }
            throw invalid(what + " has a data: URI that is not base64-encoded; "
                    + "use data:<type>;base64,<data>", code, null);
        }
        if (lower.startsWith("file:")) {
            try (InputStream in = URI.create(uri).toURL().openStream()) {
                return in.readAllBytes();
            }
        }
        throw invalid(what + " points to '" + abbreviate(uri) + "': only data: and file: URIs "
                + "are read (the engine runs offline); download it and pass its bytes", code, null);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
