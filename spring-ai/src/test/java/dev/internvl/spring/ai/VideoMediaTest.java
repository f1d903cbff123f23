package dev.internvl.spring.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.internvl.ChatAnswer;
import dev.internvl.ChatRequest;
import dev.internvl.EngineOptions;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.InvalidRequestException;
import dev.internvl.testing.TinyModel;
import dev.internvl.video.VideoLimits;
import dev.internvl.video.VideoSampling;
import dev.internvl.video.Videos;
import dev.internvl.video.testing.TestVideos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.MimeType;
import org.springframework.util.MimeTypeUtils;

/** A {@code video/mp4} {@link Media} through the chat model: a real clip, decoded by FFmpeg, on a tiny checkpoint. */
class VideoMediaTest {

    static final MimeType MP4 = MimeType.valueOf("video/mp4");
    static final String QUESTION = "What happens in the clip?";

    @TempDir
    static Path dir;

    static InternVL engine;
    static InternVLChatModel model;
    static byte[] clip;

    @BeforeAll
    static void load() {
        engine = InternVL.load(TinyModel.write(dir.resolve("tiny-internvl")), EngineOptions.defaults()
                .withGeneration(GenerationOptions.builder().maxNewTokens(2).build()));
        model = InternVLChatModel.builder(engine).build();
        clip = readAll(TestVideos.h264(dir, 96, 64, 10, 2.0)); // 20 frames
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static Media video(Object data) {
        return Media.builder().mimeType(MP4).data(data).name("clip").build();
    }

    static int promptTokens(Media media, InternVLChatOptions options) {
        UserMessage m = media == null ? new UserMessage(QUESTION)
                : UserMessage.builder().text(QUESTION).media(media).build();
        return model.call(new Prompt(List.of(m), options)).getMetadata().getUsage().getPromptTokens();
    }

    @Test
    void theFramesOfAVideoReachTheModelOneTileEach() {
        int text = promptTokens((Media) null, null);
        int eight = promptTokens(video(clip), null);
        int four = promptTokens(video(clip), InternVLChatOptions.builder().videoFrames(4).build());
        // each frame: <img>, 256 image tokens (one tile, no thumbnail), </img>, and "FrameN: " / "\n" text
        assertThat(eight - text).isBetween(8 * 258, 8 * 258 + 8 * 6);
        assertThat(four - text).isBetween(4 * 258, 4 * 258 + 4 * 6);
        // exactly what the engine's own video request gives: the same frames and the reference's Frame prefix
        ChatAnswer direct = engine.chat(ChatRequest.builder(QUESTION)
                .video(Videos.decode(clip, "clip", VideoSampling.of(8))).build());
        assertThat(eight).isEqualTo(direct.promptTokens());
    }

    @Test
    void framePlaceholdersInTheTextAreUsedAsGivenAndOnlyTheMissingOnesPrefixed() {
        InternVLChatOptions four = InternVLChatOptions.builder().videoFrames(4).build();
        int plain = promptTokens(QUESTION, four);
        String all = "Frame1: <image>\nFrame2: <image>\nFrame3: <image>\nFrame4: <image>\n" + QUESTION;
        assertThat(promptTokens(all, four)).isEqualTo(plain);
        // two of four given: Frame1 and Frame2 are prefixed, the text's take frames 3 and 4
        assertThat(promptTokens("Frame3: <image>\nFrame4: <image>\n" + QUESTION, four)).isEqualTo(plain);
        // and the prompt is a video's: four frames more than the text alone
        assertThat(plain - promptTokens((Media) null, four)).isBetween(4 * 258, 4 * 258 + 4 * 6);
    }

    static int promptTokens(String text, InternVLChatOptions options) {
        UserMessage m = UserMessage.builder().text(text).media(video(clip)).build();
        return model.call(new Prompt(List.of(m), options)).getMetadata().getUsage().getPromptTokens();
    }

    @Test
    void aVideoComesFromBytesAResourceAndDataAndFileUris() throws Exception {
        int expected = promptTokens(video(clip), null);
        Path file = Files.write(dir.resolve("clip.mp4"), clip);
        assertThat(promptTokens(video(new ByteArrayResource(clip)), null)).isEqualTo(expected);
        assertThat(promptTokens(video("data:video/mp4;base64," + Base64.getEncoder().encodeToString(clip)), null))
                .isEqualTo(expected);
        assertThat(promptTokens(video(file.toUri()), null)).isEqualTo(expected);
    }

    @Test
    void aBoundSamplesPartOfTheVideo() {
        InternVLChatOptions bound = InternVLChatOptions.builder().videoFrames(2).videoStart(0.5).videoEnd(1.5).build();
        ChatAnswer direct = engine.chat(ChatRequest.builder(QUESTION)
                .video(Videos.decode(clip, "clip", VideoSampling.of(2).between(0.5, 1.5))).build());
        assertThat(promptTokens(video(clip), bound)).isEqualTo(direct.promptTokens());
        assertThatThrownBy(() -> promptTokens(video(clip), InternVLChatOptions.builder().videoStart(1.0).build()))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("both a start and an end");
        assertThatThrownBy(() -> promptTokens(video(clip), InternVLChatOptions.builder().videoFrames(0).build()))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("videoFrames");
    }

    @Test
    void corruptTooLargeAndExtraVideosAreRefused() {
        byte[] truncated = java.util.Arrays.copyOf(clip, clip.length / 3);
        assertThatThrownBy(() -> promptTokens(video(truncated), null)).isInstanceOf(InvalidRequestException.class)
                .extracting(e -> ((InvalidRequestException) e).code()).isEqualTo("invalid_video");
        InternVLChatModel small = InternVLChatModel.builder(engine)
                .videoLimits(new VideoLimits(clip.length - 1, 600, 64, 4096L * 4096)).build();
        assertThatThrownBy(() -> small.call(new Prompt(List.of(UserMessage.builder().text(QUESTION)
                .media(video(clip)).build())))).isInstanceOf(InvalidRequestException.class)
                .extracting(e -> ((InvalidRequestException) e).code()).isEqualTo("video_too_large");
        InternVLChatModel fewFrames = InternVLChatModel.builder(engine)
                .videoLimits(new VideoLimits(1 << 20, 600, 4, 4096L * 4096))
                .defaultOptions(InternVLChatOptions.builder().videoFrames(2).build()).build();
        assertThatThrownBy(() -> fewFrames.call(new Prompt(List.of(UserMessage.builder().text(QUESTION)
                .media(video(clip)).build()), InternVLChatOptions.builder().videoFrames(8).build())))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("at most 4 frames");
        assertThatThrownBy(() -> InternVLChatModel.builder(engine).videoLimits(new VideoLimits(1 << 20, 600, 4, 1))
                .defaultOptions(InternVLChatOptions.builder().videoFrames(5).build()).build())
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("videoFrames");
        assertThatThrownBy(() -> InternVLChatModel.builder(engine).videoLimits(new VideoLimits(1 << 20, 600, 4, 1))
                .build()).isInstanceOf(InvalidRequestException.class).hasMessageContaining("8 (unset)");
        assertThatThrownBy(() -> model.call(new Prompt(List.of(UserMessage.builder()
                .text(QUESTION).media(video(clip), video(clip)).build())))).isInstanceOf(InvalidRequestException.class).hasMessageContaining("at most one video");
        Media png = new Media(MimeTypeUtils.IMAGE_PNG, new ByteArrayResource(TinyModel.png(64, 48, 1)));
        assertThatThrownBy(() -> model.call(new Prompt(List.of(UserMessage.builder().text(QUESTION)
                .media(png, video(clip)).build())))).isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("either images or one video");
    }

    private static byte[] readAll(java.nio.file.Path file) {
        try {
            return java.nio.file.Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
