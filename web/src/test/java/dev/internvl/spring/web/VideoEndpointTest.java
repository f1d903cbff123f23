package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.dataUrl;
import static dev.internvl.spring.web.Fixture.json;
import static dev.internvl.spring.web.Fixture.png;
import static dev.internvl.spring.web.Fixture.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.spring.ai.InternVLChatOptions;
import dev.internvl.video.VideoLimits;
import dev.internvl.video.testing.TestVideos;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;

/** {@code video_url} parts of {@code /v1/chat/completions}: a real H.264 clip on the tiny checkpoint. */
class VideoEndpointTest {

    static final String QUESTION = "What happens in the video?";

    @TempDir
    static Path dir;

    static byte[] clip;

    final MockMvc mvc = Fixture.mvc(ApiSettings.builder().build());

    @BeforeAll
    static void makeClip() {
        clip = readAll(TestVideos.h264(dir, 96, 64, 10, 2.0)); // 20 frames
    }

    static String videoUrl(byte[] video) {
        return "data:video/mp4;base64," + Base64.getEncoder().encodeToString(video);
    }

    static String part(String type, String url) {
        return ",{\"type\":\"" + type + "\",\"" + type + "\":{\"url\":\"" + url + "\"}}";
    }

    static String request(String extra, String parts) {
        return "{\"model\":\"tiny-internvl\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"text\",\"text\":\"" + QUESTION + "\"}" + parts + "]}]"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    static MvcResult chat(MockMvc mvc, String body) throws Exception {
        return mvc.perform(MockMvcRequestBuilders.post("/v1/chat/completions")
                .contentType(MediaType.APPLICATION_JSON).content(body)).andReturn();
    }

    int promptTokens(String body) throws Exception {
        MvcResult r = chat(mvc, body);
        assertThat(r.getResponse().getStatus()).as(text(r)).isEqualTo(200);
        return json(r).getAsJsonObject("usage").get("prompt_tokens").getAsInt();
    }

    @Test
    void theFramesOfAVideoReachTheModel() throws Exception {
        int text = promptTokens(request("", ""));
        int eight = promptTokens(request("", part("video_url", videoUrl(clip))));
        int four = promptTokens(request("\"media_io_kwargs\":{\"video\":{\"num_frames\":4}}",
                part("video_url", videoUrl(clip))));
        // a frame: <img>, 256 image tokens (one 448-pixel tile, no thumbnail), </img>, and "FrameN: " and "\n"
        assertThat(eight - text).isBetween(8 * 258, 8 * 258 + 8 * 6);
        assertThat(four - text).isBetween(4 * 258, 4 * 258 + 4 * 6);
        // "FrameN: <image>\n" tokenizes the same for N = 1..8, so 8 frames cost twice what 4 do
        assertThat(eight - text).isEqualTo(2 * (four - text));
        // a bound: the same number of frames from part of the clip, the same tokens; a video without a type too
        assertThat(promptTokens(request("\"media_io_kwargs\":{\"video\":{\"num_frames\":4,\"start\":0.5,"
                + "\"end\":1.5}}", part("video_url", "data:;base64," + Base64.getEncoder().encodeToString(clip)))))
                .isEqualTo(four);
    }

    @Test
    void aCorruptVideoIsA400() throws Exception {
        byte[] truncated = Arrays.copyOf(clip, clip.length / 3);
        JsonObject e = assertError(chat(mvc, request("", part("video_url", videoUrl(truncated)))), 400, "");
        assertThat(e.get("code").getAsString()).isEqualTo("invalid_video");
        e = assertError(chat(mvc, request("", part("video_url", videoUrl(new byte[] {1, 2, 3, 4})))), 400, "");
        assertThat(e.get("code").getAsString()).isEqualTo("invalid_video");
        e = assertError(chat(mvc, request("", part("video_url", "data:video/mp4;base64,@@@"))), 400, "base64");
        assertThat(e.get("code").getAsString()).isEqualTo("invalid_video");
        assertThat(e.get("param").getAsString()).isEqualTo("messages[0].content[1].video_url.url");
    }

    @Test
    void aVideoBeyondTheLimitsIsA400AndABodyBeyondTheRequestSizeA413() throws Exception {
        InternVLChatModel small = InternVLChatModel.builder(Fixture.engine())
                .defaultOptions(InternVLChatOptions.builder().maxTokens(1).build())
                .videoLimits(new VideoLimits(clip.length - 1, 600, 16, 4096L * 4096)).build();
        ApiSettings settings = ApiSettings.builder().maxRequestBytes(clip.length * 2L).build();
        MockMvc limited = Fixture.mvc(settings, new ChatCompletionsController(small, settings));
        JsonObject e = assertError(chat(limited, request("", part("video_url", videoUrl(clip)))), 400, "");
        assertThat(e.get("code").getAsString()).isEqualTo("video_too_large");
        e = assertError(chat(limited, request("\"media_io_kwargs\":{\"video\":{\"num_frames\":17}}",
                part("video_url", videoUrl(Arrays.copyOf(clip, 100))))), 400, "at most 16 frames");
        assertThat(e.get("code").getAsString()).isEqualTo("video_too_large");
        byte[] big = Arrays.copyOf(clip, clip.length * 2);
        e = assertError(chat(limited, request("", part("video_url", videoUrl(big)))), 413, "");
        assertThat(e.get("code").getAsString()).isEqualTo("request_too_large");
    }

    @Test
    void oneVideoAloneAndOnlyAsADataUrl() throws Exception {
        String video = part("video_url", videoUrl(clip));
        JsonObject e = assertError(chat(mvc, request("", video + video)), 400, "one video");
        assertThat(e.get("code").getAsString()).isEqualTo("too_many_videos");
        e = assertError(chat(mvc, request("", video + part("image_url", dataUrl(png(64, 48, 1))))), 400,
                "either images or one video");
        assertThat(e.get("param").getAsString()).isEqualTo("messages");
        assertError(chat(mvc, request("", part("image_url", dataUrl(png(64, 48, 1))) + video)), 400,
                "either images or one video");
        e = assertError(chat(mvc, request("", part("video_url", "https://example.org/clip.mp4"))), 400,
                "does not fetch video URLs");
        assertThat(e.get("code").getAsString()).isEqualTo("invalid_video_url");
        e = assertError(chat(mvc, request("", part("video_url", "data:image/png;base64,AAAA"))), 400,
                "media type 'image/png'");
        assertThat(e.get("code").getAsString()).isEqualTo("invalid_video_url");
        e = assertError(chat(mvc, request("", ",{\"type\":\"video_url\"}")), 400, "is required");
        assertThat(e.get("param").getAsString()).isEqualTo("messages[0].content[1].video_url");
    }

    @Test
    void samplingOptionsAreChecked() throws Exception {
        String video = part("video_url", videoUrl(clip));
        JsonObject e = assertError(chat(mvc, request("\"media_io_kwargs\":{\"video\":{\"num_frames\":0}}", video)),
                400, "num_frames");
        assertThat(e.get("param").getAsString()).isEqualTo("media_io_kwargs.video.num_frames");
        e = assertError(chat(mvc, request("\"media_io_kwargs\":{\"video\":{\"fps\":2}}", video)), 400, "fps");
        assertThat(e.get("param").getAsString()).isEqualTo("media_io_kwargs.video.fps");
        e = assertError(chat(mvc, request("\"media_io_kwargs\":{\"video\":{\"start\":2.0,\"end\":1.0}}", video)),
                400, "start < end");
        assertThat(e.get("param").getAsString()).isEqualTo("media_io_kwargs.video");
        assertError(chat(mvc, request("\"media_io_kwargs\":{\"video\":{\"start\":1.0}}", video)), 400,
                "both a start and an end");
        // a bound past the clip's end (2 s): the reference would index past its last frame
        assertError(chat(mvc, request("\"media_io_kwargs\":{\"video\":{\"start\":5.0,\"end\":6.0}}", video)), 400,
                "after the video's last frame");
    }

    private static byte[] readAll(java.nio.file.Path file) {
        try {
            return java.nio.file.Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
