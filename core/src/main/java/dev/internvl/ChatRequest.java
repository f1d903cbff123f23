package dev.internvl;

import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import dev.internvl.text.ChatTurn;
import dev.internvl.text.SpecialTokensInText;
import dev.internvl.video.VideoFrames;
import dev.internvl.video.VideoSampling;
import dev.internvl.video.Videos;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One round of a conversation: the question, the images of the conversation (in placeholder order, history
 * included), earlier rounds, and per-request overrides. Null overrides fall back to the engine's defaults.
 *
 * @param question      the user's question; may place {@code <image>} placeholders itself
 * @param images        decoded images, or a video's frames (layout FRAMES)
 * @param layout        how several images are shown (SEPARATE by default; FRAMES for a video)
 * @param history       earlier rounds, oldest first, questions as the engine returned them
 * @param systemMessage replaces the system message for this request, when not null
 * @param maxTiles      tiles per image (per frame of a video) at most, when not null (1..40)
 * @param thumbnail     whether multi-tile images get a thumbnail tile, when not null
 * @param generation    generation options, when not null
 * @param specialTokensInText whether the text of added tokens ({@code <|im_end|>}, {@code <img>}, ...) in the
 *     question, history and system message becomes those tokens ({@link SpecialTokensInText#REFERENCE}, the default,
 *     as the reference {@code chat()}) or stays ordinary text ({@link SpecialTokensInText#PLAIN}, for text from
 *     people other than the caller); {@code <IMG_CONTEXT>} never comes from this text
 */
public record ChatRequest(String question, List<RgbImage> images, ImageLayout layout, List<ChatTurn> history,
        String systemMessage, Integer maxTiles, Boolean thumbnail, GenerationOptions generation,
        SpecialTokensInText specialTokensInText) {

    public ChatRequest {
        Objects.requireNonNull(question, "question");
        images = List.copyOf(images == null ? List.of() : images);
        layout = layout == null ? ImageLayout.SEPARATE : layout;
        history = List.copyOf(history == null ? List.of() : history);
        specialTokensInText = specialTokensInText == null ? SpecialTokensInText.REFERENCE : specialTokensInText;
    }

    /** A request that encodes special-token text as the reference does ({@link SpecialTokensInText#REFERENCE}). */
    public ChatRequest(String question, List<RgbImage> images, ImageLayout layout, List<ChatTurn> history,
            String systemMessage, Integer maxTiles, Boolean thumbnail, GenerationOptions generation) {
        this(question, images, layout, history, systemMessage, maxTiles, thumbnail, generation, null);
    }

    /** A text-only question with default settings. */
    public static ChatRequest of(String question) {
        return builder(question).build();
    }

    public static Builder builder(String question) {
        return new Builder(question);
    }

    /** Builder for {@link ChatRequest}. */
    public static final class Builder {
        private final String question;
        private final List<RgbImage> images = new ArrayList<>();
        private ImageLayout layout = ImageLayout.SEPARATE;
        private List<ChatTurn> history = List.of();
        private String systemMessage;
        private Integer maxTiles;
        private Boolean thumbnail;
        private GenerationOptions generation;
        private SpecialTokensInText specialTokensInText;

        private Builder(String question) {
            this.question = question;
        }

        public Builder image(RgbImage image) {
            if (layout == ImageLayout.FRAMES) {
                throw new InvalidRequestException("a request takes either images or one video, not both");
            }
            images.add(Objects.requireNonNull(image, "image"));
            return this;
        }

        /** Decodes and adds an image file (JPEG, PNG, BMP, GIF, WebP). */
        public Builder image(Path file) {
            return image(ImageDecoder.decode(file));
        }

        /** Decodes and adds encoded image bytes. */
        public Builder image(byte[] encoded, String sourceName) {
            return image(ImageDecoder.decode(encoded, sourceName));
        }

        /**
         * Shows the model a video's sampled frames (layout {@link ImageLayout#FRAMES}), as the reference's video
         * example does. A request takes either images or one video. In a later round about the same video, send
         * the same frames again with the history, as the reference {@code chat()} does.
         */
        public Builder video(VideoFrames video) {
            if (!images.isEmpty()) {
                throw new InvalidRequestException("a request takes either images or one video, not both");
            }
            images.addAll(video.frames());
            layout = ImageLayout.FRAMES;
            return this;
        }

        /**
         * Decodes {@code sampling}'s frames of a video file ({@link Videos}, under the default limits) and shows
         * them as {@link #video(VideoFrames)} does.
         */
        public Builder video(Path file, VideoSampling sampling) {
            return video(Videos.decode(file, sampling));
        }

        /** The reference's default sampling of a video file: {@value VideoSampling#DEFAULT_FRAMES} frames, one tile each. */
        public Builder video(Path file) {
            return video(file, VideoSampling.defaults());
        }

        /** Decodes {@code sampling}'s frames of an encoded video, as {@link #video(Path, VideoSampling)}. */
        public Builder video(byte[] encoded, String sourceName, VideoSampling sampling) {
            return video(Videos.decode(encoded, sourceName, sampling));
        }

        public Builder layout(ImageLayout v) {
            layout = v;
            return this;
        }

        public Builder history(List<ChatTurn> v) {
            history = v;
            return this;
        }

        public Builder systemMessage(String v) {
            systemMessage = v;
            return this;
        }

        public Builder maxTiles(Integer v) {
            maxTiles = v;
            return this;
        }

        public Builder thumbnail(Boolean v) {
            thumbnail = v;
            return this;
        }

        public Builder generation(GenerationOptions v) {
            generation = v;
            return this;
        }

        /** How added-token text in the question, history and system message is encoded (null: REFERENCE). */
        public Builder specialTokensInText(SpecialTokensInText v) {
            specialTokensInText = v;
            return this;
        }

        public ChatRequest build() {
            return new ChatRequest(question, images, layout, history, systemMessage, maxTiles, thumbnail, generation,
                    specialTokensInText);
        }
    }
}
