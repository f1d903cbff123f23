package dev.internvl.cli;

import static dev.internvl.cli.CliTest.assertOneLineError;
import static dev.internvl.cli.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.testing.RealCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code chat --video} on the model cards' clip ({@code shared/realckpt/InternVL2-1B/examples/red-panda.mp4}, read
 * in place) with a tiny random checkpoint: the frames the reference samples, and a prompt equal to the one the
 * {@code prompt} command builds for the reference's {@code Frame1: <image>\n...} question with one tile per frame.
 */
class VideoCliTest {

    private static final String QUESTION = "What is the red panda doing?";

    @TempDir
    static Path tmp;

    static Path tiny;

    @BeforeAll
    static void tinyCheckpoint() throws IOException {
        tiny = CliTest.writeTiny(tmp.resolve("tiny"), 5);
    }

    @ParameterizedTest(name = "{0} segments")
    @ValueSource(ints = {8, 16})
    void theRedPandaClipIsShownAsTheReferenceShowsIt(int segments) {
        Path clip = RealCheckpoints.require("InternVL2-1B").resolve("examples/red-panda.mp4");
        CliTest.Run r = cli("chat", "--model", tiny.toString(), "--video", clip.toString(), "--frames",
                String.valueOf(segments), "--max-new-tokens", "2", "--dtype", "fp32", "--verbose", QUESTION);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("red-panda.mp4: 895 frames at 30.000 fps, 360x640 h264"), r.err());
        if (segments == 8) {
            assertTrue(r.err().contains("showing frames [55, 167, 279, 390, 502, 614, 725, 837]"), r.err());
        }
        String prefix = IntStream.rangeClosed(1, segments).mapToObj(i -> "Frame" + i + ": <image>\n")
                .collect(Collectors.joining());
        assertTrue(r.err().contains("question: " + prefix + QUESTION + "\n"), r.err());

        // the reference's prompt for that question with one tile per frame
        String tiles = String.join(",", Collections.nCopies(segments, "1"));
        CliTest.Run p = cli("prompt", "--model", tiny.toString(), "--question", prefix + QUESTION, "--image-tiles",
                tiles);
        assertEquals(0, p.status(), p.err());
        JsonObject ref = JsonParser.parseString(p.out()).getAsJsonObject();
        int perTile = count(cli("prompt", "--model", tiny.toString(), "--question", "x", "--image-tiles", "1"),
                "<IMG_CONTEXT>");
        assertTrue(perTile > 0);
        String prompt = ref.get("prompt").getAsString();
        assertEquals(segments * perTile, prompt.split("<IMG_CONTEXT>", -1).length - 1);
        assertEquals(segments, prompt.split("<img>", -1).length - 1);
        assertTrue(r.err().contains("prompt: " + ref.get("input_ids").getAsJsonArray().size() + " tokens\n"), r.err());
    }

    @Test
    void aVideoThatIsNotOneIsAOneLineError() throws IOException {
        Path notVideo = Files.writeString(tmp.resolve("notes.mp4"), "not a video");
        assertOneLineError(cli("chat", "--model", tiny.toString(), "--video", notVideo.toString(), "Hi"),
                "notes.mp4", "cannot be opened as a video");
        assertOneLineError(cli("chat", "--model", tiny.toString(), "--video", notVideo.toString(), "--frames", "0",
                "Hi"), "frames must be at least 1");
        assertOneLineError(cli("chat", "--model", tiny.toString(), "--video", notVideo.toString(), "--start", "2",
                "Hi"), "both a start and an end");
        assertOneLineError(cli("chat", "--model", tiny.toString(), "--start", "1", "--end", "2", "Hi"),
                "--start and --end sample a --video");
        assertOneLineError(cli("chat", "--model", tiny.toString(), "--video", notVideo.toString(), "--image",
                notVideo.toString(), "Hi"), "cannot be combined");
    }

    private static int count(CliTest.Run r, String token) {
        assertEquals(0, r.status(), r.err());
        String prompt = JsonParser.parseString(r.out()).getAsJsonObject().get("prompt").getAsString();
        return prompt.split(token, -1).length - 1;
    }

}
