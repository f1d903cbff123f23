package dev.internvl.video;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.InvalidOptionException;
import dev.internvl.InvalidRequestException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link VideoSampling#frameIndices} against the model cards' {@code get_index}: worked examples, and a Python
 * transcription of {@code get_index} (Python's {@code round}, NumPy's {@code np.round}, {@code int()}) run with
 * {@code /usr/bin/python3} over many (frames, fps, segments, bound) combinations, many of them with ties.
 */
class VideoSamplingTest {

    /** The model cards' get_index, transcribed; reads the cases as JSON on stdin, prints the indices as JSON. */
    private static final String GET_INDEX = String.join("\n",
            "import json, sys",
            "import numpy as np",
            "def get_index(bound, fps, max_frame, first_idx=0, num_segments=32):",
            "    if bound:",
            "        start, end = bound[0], bound[1]",
            "    else:",
            "        start, end = -100000, 100000",
            "    start_idx = max(first_idx, round(start * fps))",
            "    end_idx = min(round(end * fps), max_frame)",
            "    seg_size = float(end_idx - start_idx) / num_segments",
            "    return np.array([int(start_idx + (seg_size / 2) + np.round(seg_size * idx))",
            "                     for idx in range(num_segments)])",
            "cases = json.load(sys.stdin)",
            "print(json.dumps([get_index(c['bound'], c['fps'], c['frames'] - 1, first_idx=0,",
            "                            num_segments=c['segments']).tolist() for c in cases]))");

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @Test
    void theModelCardsRedPandaClipGivesTheseFrames() {
        // red-panda.mp4: 895 frames at 895000/29833 fps; segments of 111.75 frames, ties at k=2 (223.5 -> 224)
        // and k=6 (670.5 -> 670) rounded half to even
        double fps = 895000.0 / 29833;
        assertArrayEquals(new int[] {55, 167, 279, 390, 502, 614, 725, 837},
                VideoSampling.of(8).frameIndices(895, fps));
        assertArrayEquals(new int[] {27, 83, 139, 195, 251, 306, 362, 418, 474, 530, 586, 642, 697, 753, 809, 865},
                VideoSampling.of(16).frameIndices(895, fps));
    }

    @Test
    void tiesRoundHalfToEvenAsNumPyDoes() {
        // 9 frames, 4 segments: seg 2.0, no ties; 10 frames, 4 segments: seg 2.25, k=2: 4.5 rounds to 4 (5.125),
        // k=3: 6.75 rounds to 7 (8.125)
        assertArrayEquals(new int[] {1, 3, 5, 7}, VideoSampling.of(4).frameIndices(9, 30));
        assertArrayEquals(new int[] {1, 3, 5, 8}, VideoSampling.of(4).frameIndices(10, 30));
        // 4 frames, 6 segments: seg 0.5: 0.25 + rint(0, 0.5, 1, 1.5, 2, 2.5) = 0.25 + (0, 0, 1, 2, 2, 2)
        assertArrayEquals(new int[] {0, 0, 1, 2, 2, 2}, VideoSampling.of(6).frameIndices(4, 30));
    }

    @Test
    void aBoundSamplesOnlyItsPart() {
        // 10 s at 25 fps, bound 2..4 s: frames 50..100, 5 segments of 10
        assertArrayEquals(new int[] {55, 65, 75, 85, 95}, VideoSampling.of(5).between(2, 4).frameIndices(250, 25));
        // an end beyond the video stops at its last frame: frames 200..249, segments of 24.5, and 24.5 rounds to 24
        assertArrayEquals(new int[] {212, 236}, VideoSampling.of(2).between(8, 60).frameIndices(250, 25));
    }

    @Test
    void wrongSamplingsAreRefusedWithTheirReason() {
        assertEquals("frames", assertThrows(InvalidOptionException.class, () -> VideoSampling.of(0)).field());
        assertTrue(assertThrows(InvalidRequestException.class, () -> new VideoSampling(8, 3.0, 2.0)).getMessage()
                .contains("0 <= start < end"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> new VideoSampling(8, 1.0, null)).getMessage()
                .contains("both a start and an end"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> new VideoSampling(8, -1.0, 2.0)).getMessage()
                .contains("0 <= start < end"));
        assertTrue(assertThrows(InvalidRequestException.class, () -> new VideoSampling(8, 0.0, Double.NaN))
                .getMessage().contains("0 <= start < end"));
        InvalidRequestException late = assertThrows(InvalidRequestException.class,
                () -> VideoSampling.of(8).between(20, 30).frameIndices(250, 25));
        assertTrue(late.getMessage().contains("after the video's last frame"), late.getMessage());
    }

    @Test
    void manyCombinationsEqualThePythonTranscriptionOfGetIndex() throws Exception {
        assumePythonWithNumPy();
        int[] frameCounts = {1, 2, 3, 4, 5, 7, 8, 9, 10, 16, 17, 31, 33, 100, 241, 300, 895, 1000, 4321};
        double[] rates = {1, 12.5, 24000.0 / 1001, 25, 30000.0 / 1001, 30, 895000.0 / 29833, 60000.0 / 1001, 60};
        int[] segments = {1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 32, 64};
        double[][] bounds = {null, {0, 1}, {0.5, 2.5}, {1.25, 3.75}, {0.1, 100}, {2, 2.5}, {0.02, 0.1},
            {3.3, 7.7}, {10, 20}, {0, 0.04}};
        JsonArray cases = new JsonArray();
        List<int[]> expectedFromJava = new ArrayList<>();
        List<Boolean> refused = new ArrayList<>();
        for (int frames : frameCounts) {
            for (double fps : rates) {
                for (int segs : segments) {
                    for (double[] bound : bounds) {
                        VideoSampling s = bound == null ? VideoSampling.of(segs)
                                : VideoSampling.of(segs).between(bound[0], bound[1]);
                        int[] mine;
                        try {
                            mine = s.frameIndices(frames, fps);
                        } catch (InvalidRequestException startsAfterTheEnd) {
                            mine = null;
                        }
                        JsonObject c = new JsonObject();
                        c.addProperty("frames", frames);
                        c.addProperty("fps", fps);
                        c.addProperty("segments", segs);
                        c.add("bound", bound == null ? null : new Gson().toJsonTree(bound));
                        cases.add(c);
                        expectedFromJava.add(mine);
                        refused.add(mine == null);
                    }
                }
            }
        }
        JsonArray reference = runPython(cases.toString());
        assertEquals(cases.size(), reference.size());
        int compared = 0;
        int ties = 0;
        for (int i = 0; i < cases.size(); i++) {
            JsonArray ref = reference.get(i).getAsJsonArray();
            int[] python = new int[ref.size()];
            for (int k = 0; k < python.length; k++) {
                python[k] = ref.get(k).getAsInt();
            }
            if (refused.get(i)) {
                // the bound lies after the last frame: the reference indexes past the video (decord then fails)
                int frames = cases.get(i).getAsJsonObject().get("frames").getAsInt();
                assertTrue(java.util.Arrays.stream(python).anyMatch(k -> k >= frames || k < 0),
                        "refused, but the reference's frames are all in the video: " + cases.get(i));
                continue;
            }
            String which = "case " + cases.get(i);
            assertArrayEquals(python, expectedFromJava.get(i), which);
            compared++;
            JsonObject c = cases.get(i).getAsJsonObject();
            double seg = segSize(c);
            for (int k = 0; k < c.get("segments").getAsInt(); k++) {
                double x = seg * k;
                if (x - Math.floor(x) == 0.5) {
                    ties++;
                }
            }
        }
        assertTrue(compared > 14000, "compared " + compared);
        assertTrue(ties > 1000, "the cases hold " + ties + " ties of np.round");
    }

    private static double segSize(JsonObject c) {
        int frames = c.get("frames").getAsInt();
        double fps = c.get("fps").getAsDouble();
        double start = c.get("bound").isJsonNull() ? -100000 : c.get("bound").getAsJsonArray().get(0).getAsDouble();
        double end = c.get("bound").isJsonNull() ? 100000 : c.get("bound").getAsJsonArray().get(1).getAsDouble();
        long startIdx = Math.max(0, (long) Math.rint(start * fps));
        long endIdx = Math.min((long) Math.rint(end * fps), frames - 1);
        return (double) (endIdx - startIdx) / c.get("segments").getAsInt();
    }

    private static JsonArray runPython(String input) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", GET_INDEX).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            fail("python get_index failed: " + out);
        }
        return JsonParser.parseString(out).getAsJsonArray();
    }

    /** Skips without /usr/bin/python3 and NumPy, unless CI=true (.ci/run installs python3-numpy). */
    private static void assumePythonWithNumPy() throws Exception {
        String missing = null;
        if (!Files.isExecutable(PYTHON)) {
            missing = PYTHON + " is missing";
        } else {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import numpy").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                missing = PYTHON + " cannot import numpy";
            }
        }
        if (missing != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail(missing + " (install python3-numpy)");
            }
            Assumptions.assumeTrue(false, missing);
        }
    }
}
