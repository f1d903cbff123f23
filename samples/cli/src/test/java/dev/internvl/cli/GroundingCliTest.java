package dev.internvl.cli;

import static dev.internvl.cli.CliTest.assertOneLineError;
import static dev.internvl.cli.CliTest.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.cli.CliTest.Run;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The grounding commands' contract: names, options, exact JSON, and one-line errors. */
class GroundingCliTest {

    static final Path ROSE = CliTest.GOLDEN.resolve("images/tiny_rose_70x46.png");

    @TempDir
    static Path tmp;

    static Path tiny;

    @BeforeAll
    static void tinyCheckpoint() throws IOException {
        tiny = CliTest.writeTiny(tmp.resolve("tiny"), 11);
    }

    static void assertJsonOut(String expected, Run r) {
        assertEquals(0, r.status(), r.err());
        assertEquals(expected + System.lineSeparator(), r.out());
    }

    @Test
    void boxesPrintsExactJson() {
        assertJsonOut("{\"refs\":[{\"label\":\"the lady with the blue shirt\",\"boxes\":[{\"x1\":103.761,\"y1\":300.16,"
                + "\"x2\":238.266,\"y2\":477.44,\"raw\":[243,469,558,746]}]}],"
                + "\"raw\":\"<ref>the lady with the blue shirt</ref><box>[[243, 469, 558, 746]]</box>\"}",
                cli("boxes", "--width", "427", "--height", "640",
                        "<ref>the lady with the blue shirt</ref><box>[[243, 469, 558, 746]]</box>"));

        // several boxes, an inverted one with a decimal, a box without a ref (null label), clamping
        String text = "<ref>cup</ref><box>[[0, 0, 500, 1000], [900, 100, 100, 50.5]]</box> and "
                + "<box>[[-10, 0, 10, 10]]</box>";
        assertJsonOut("{\"refs\":[{\"label\":\"cup\",\"boxes\":["
                + "{\"x1\":0,\"y1\":0,\"x2\":100,\"y2\":100,\"raw\":[0,0,500,1000]},"
                + "{\"x1\":20,\"y1\":5.05,\"x2\":180,\"y2\":10,\"raw\":[900,100,100,50.5]}]},"
                + "{\"label\":null,\"boxes\":[{\"x1\":0,\"y1\":0,\"x2\":2,\"y2\":1,\"raw\":[-10,0,10,10]}]}],"
                + "\"raw\":\"" + text + "\"}", cli("boxes", "--width", "200", "--height", "100", text));

        // quotes, newlines and non-ASCII text are escaped as JSON requires, not HTML-escaped
        assertJsonOut("{\"refs\":[{\"label\":\"\\\"猫\\\"\",\"boxes\":[{\"x1\":0,\"y1\":0,\"x2\":3,\"y2\":3,"
                + "\"raw\":[0,0,1000,1000]}]}],\"raw\":\"<ref>\\\"猫\\\"</ref>\\n<box>[[0,0,1000,1000]]</box>\\t\"}",
                cli("boxes", "--width", "3", "--height", "3", "<ref>\"猫\"</ref>\n<box>[[0,0,1000,1000]]</box>\t"));

        assertJsonOut("{\"refs\":[],\"raw\":\"no boxes here [[1, 2\"}",
                cli("boxes", "--width", "10", "--height", "10", "no boxes here [[1, 2"));
        assertJsonOut("{\"refs\":[{\"label\":\"a\",\"boxes\":[{\"x1\":1,\"y1\":1,\"x2\":2,\"y2\":2,\"raw\":[1,1,2,2]}]}],"
                + "\"raw\":\"<ref>a</ref><box>[[1,1,2,2],[3,3,4,4]]</box>\"}",
                cli("boxes", "--width", "1000", "--height", "1000", "--max-boxes", "1",
                        "<ref>a</ref><box>[[1,1,2,2],[3,3,4,4]]</box>"));
    }

    @Test
    void boxesReadsStandardInputForDash() {
        InputStream in = System.in;
        try {
            System.setIn(new ByteArrayInputStream(
                    "<ref>猫</ref><box>[[0, 0, 500, 500]]</box>\n".getBytes(StandardCharsets.UTF_8)));
            assertJsonOut("{\"refs\":[{\"label\":\"猫\",\"boxes\":[{\"x1\":0,\"y1\":0,\"x2\":320,\"y2\":240,"
                    + "\"raw\":[0,0,500,500]}]}],\"raw\":\"<ref>猫</ref><box>[[0, 0, 500, 500]]</box>\\n\"}",
                    cli("boxes", "--width", "640", "--height", "480", "-"));
        } finally {
            System.setIn(in);
        }
    }

    @Test
    void boxesBadInputGivesOneClearLine() {
        assertOneLineError(cli("boxes", "--height", "10", "<box>[[1,2,3,4]]</box>"), "--width");
        assertOneLineError(cli("boxes", "--width", "10", "<box>[[1,2,3,4]]</box>"), "--height");
        assertOneLineError(cli("boxes", "--width", "0", "--height", "10", "x"), "positive", "0x10");
        assertOneLineError(cli("boxes", "--width", "10", "--height", "10"), "TEXT");
    }

    @Test
    void groundRunsOnATinyCheckpointAndPrintsItsJson() {
        Run r = cli("ground", "--model", tiny.toString(), "--image", ROSE.toString(), "--ref", "the rose",
                "--max-new-tokens", "8", "--dtype", "fp32", "--max-tiles", "2");
        assertEquals(0, r.status(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertTrue(o.get("refs").isJsonArray());
        assertTrue(o.get("raw").isJsonPrimitive());
        assertEquals(2, o.size());
        // the output is exactly what 'boxes' prints for that answer and the image's size (70x46)
        Run same = cli("boxes", "--width", "70", "--height", "46", o.get("raw").getAsString());
        assertEquals(same.out(), r.out());

        Run all = cli("ground", "--model", tiny.toString(), "--image", ROSE.toString(), "--ref", "petal", "--all",
                "--max-new-tokens", "4", "--dtype", "fp32");
        assertEquals(0, all.status(), all.err());
        assertTrue(JsonParser.parseString(all.out()).getAsJsonObject().has("raw"));
    }

    @Test
    void ocrRunsOnATinyCheckpointAndPrintsItsJson() {
        Run r = cli("ocr", "--model", tiny.toString(), "--image", ROSE.toString(), "--max-new-tokens", "8",
                "--dtype", "fp32");
        assertEquals(0, r.status(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        String raw = o.get("raw").getAsString();
        assertEquals(raw.strip().isEmpty() ? "" : o.get("text").getAsString(), o.get("text").getAsString());
        for (JsonElement line : o.getAsJsonArray("lines")) {
            assertTrue(raw.contains(line.getAsString()));
        }
        assertTrue(!o.has("fields"));

        Run kv = cli("ocr", "--model", tiny.toString(), "--image", ROSE.toString(), "--max-new-tokens", "4",
                "--dtype", "fp32", "--key-values");
        assertEquals(0, kv.status(), kv.err());
        JsonObject k = JsonParser.parseString(kv.out()).getAsJsonObject();
        assertTrue(k.get("fields").isJsonObject());
        assertTrue(k.has("text") && k.has("lines") && k.has("raw"));
    }

    @Test
    void groundAndOcrBadInputGivesOneClearLine() {
        String missing = tmp.resolve("missing.png").toString();
        assertOneLineError(cli("ground", "--model", tiny.toString(), "--image", missing, "--ref", "x"), "missing.png");
        assertOneLineError(cli("ocr", "--model", tiny.toString(), "--image", missing), "missing.png");
        assertOneLineError(cli("ground", "--model", tiny.toString(), "--image", ROSE.toString()), "--ref");
        assertOneLineError(cli("ground", "--model", tiny.toString(), "--image", ROSE.toString(), "--ref", "  "),
                "--ref");
        assertOneLineError(cli("ground", "--model", tiny.toString(), "--image", ROSE.toString(), "--ref",
                "a</ref><box>"), "must not contain");
        assertOneLineError(cli("ground", "--model", tiny.toString(), "--ref", "x"), "--image");
        assertOneLineError(cli("ocr", "--image", ROSE.toString()), "--model");
        assertOneLineError(cli("ocr", "--model", tmp.resolve("nomodel").toString(), "--image", ROSE.toString()),
                "nomodel");
    }
}
