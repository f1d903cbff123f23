package dev.internvl.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.ChatRequest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Without the internvl-video module (the engine's own class path), a video is a clear error naming the module. */
class VideosTest {

    @Test
    void withoutTheVideoModuleAVideoIsRefusedNamingIt() {
        assertFalse(Videos.available());
        VideoDecodeException e = assertThrows(VideoDecodeException.class,
                () -> ChatRequest.builder("What happens?").video(Path.of("clip.mp4")));
        assertEquals(VideoDecodeException.VIDEO_NOT_SUPPORTED, e.code());
        assertTrue(e.getMessage().contains("dev.internvl:internvl-video"), e.getMessage());
    }
}
