package dev.internvl.model;

import static dev.internvl.model.GoldenFiles.argmax;
import static dev.internvl.model.GoldenFiles.floats;
import static dev.internvl.model.GoldenFiles.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Qwen2 decoder against Jlama 0.8.4's logits on the same tiny random weights (fp32). */
class DecoderParityTest {

    @TempDir
    static Path dir;

    static InternVLModel model;
    static JsonObject manifest;

    @BeforeAll
    static void load() {
        GoldenFiles.checkpoint(dir, "llm/config.json", "llm/qwen2_tiny.safetensors");
        model = InternVLModel.load(dir, ModelOptions.defaults().withDtype(ComputeDType.FP32).languageOnly());
        manifest = JsonParser.parseString(new String(GoldenFiles.bytes("llm/manifest.json"), StandardCharsets.UTF_8))
                .getAsJsonObject().getAsJsonObject("cases");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static long[] ids(String seqCase) {
        return manifest.getAsJsonObject(seqCase).getAsJsonArray("token_ids").asList().stream()
                .mapToLong(e -> e.getAsLong()).toArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"seq_len1", "seq_len7"})
    void lastLogitsMatchJlamaWithin1e4(String seqCase) {
        Decoder decoder = model.decoder();
        try (KvCache cache = decoder.newCache(1, 16)) {
            float[] logits = decoder.forward(ids(seqCase), cache);
            float[] expected = floats("llm/" + seqCase + "__last_logits.bin");
            float diff = maxAbsDiff(logits, expected);
            assertTrue(diff <= 1e-4, seqCase + " logits differ by " + diff);
            assertEquals(manifest.getAsJsonObject(seqCase).get("argmax").getAsInt(), argmax(logits));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"seq_len1", "seq_len7"})
    void cachedGreedyContinuationMatchesJlama(String seqCase) {
        long[] expected = manifest.getAsJsonObject(seqCase).getAsJsonArray("jlama_greedy_8").asList().stream()
                .mapToLong(e -> e.getAsLong()).toArray();
        Decoder decoder = model.decoder();
        long[] got = new long[expected.length];
        try (KvCache cache = decoder.newCache(1, 32)) {
            float[] logits = decoder.forward(ids(seqCase), cache);
            for (int i = 0; i < got.length; i++) {
                got[i] = argmax(logits);
                logits = decoder.forward(new long[] {got[i]}, cache);
            }
        }
        assertArrayEquals(expected, got);
    }

    @Test
    void halfPrecisionLogitsStayCloseAndAgreeOnArgmax() {
        float[] expected = floats("llm/seq_len7__last_logits.bin");
        for (ComputeDType d : new ComputeDType[] {ComputeDType.BF16, ComputeDType.FP16}) {
            try (InternVLModel half = InternVLModel.load(dir, ModelOptions.defaults().withDtype(d).languageOnly());
                    KvCache cache = half.decoder().newCache(1, 8)) {
                float[] logits = half.decoder().forward(ids("seq_len7"), cache);
                float diff = maxAbsDiff(logits, expected);
                assertTrue(diff < (d == ComputeDType.BF16 ? 0.08f : 0.01f), d + " logits differ by " + diff);
                assertEquals(argmax(expected), argmax(logits), d.toString());
            }
        }
    }

    @Test
    void anExplicitCpuDeviceMapGivesTheSameLogits() {
        ModelOptions mapped = ModelOptions.defaults().withDtype(ComputeDType.FP32).languageOnly()
                .withDeviceMap("language_model.model.layers.0=cpu, language_model.model.layers.1=cpu, *=cpu");
        try (InternVLModel m = InternVLModel.load(dir, mapped); KvCache cache = m.decoder().newCache(1, 8)) {
            assertEquals(java.util.List.of("cpu"), m.decoder().devices().devices());
            float[] logits = m.decoder().forward(ids("seq_len7"), cache);
            assertTrue(maxAbsDiff(logits, floats("llm/seq_len7__last_logits.bin")) <= 1e-4);
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> InternVLModel.load(dir, ModelOptions.defaults().languageOnly()
                        .withDeviceMap("language_model.model.layers.0-5=cpu,*=cpu")));
        assertTrue(e.getMessage().contains("outside 0-1"), e.getMessage());
    }

    @Test
    void cachedDecodingEqualsRerunningTheWholePrefix() {
        Decoder decoder = model.decoder();
        long[] seq = {17, 4000, 256, 3, 1999, 77, 2048, 5, 9, 4095};
        try (KvCache cache = decoder.newCache(1, 16)) {
            decoder.forward(java.util.Arrays.copyOf(seq, 4), cache);
            float[] stepped = null;
            for (int i = 4; i < seq.length; i++) {
                stepped = decoder.forward(new long[] {seq[i]}, cache);
            }
            try (KvCache fresh = decoder.newCache(1, 16)) {
                float[] full = decoder.forward(seq, fresh);
                assertTrue(maxAbsDiff(full, stepped) <= 1e-5, "cached vs full differ by " + maxAbsDiff(full, stepped));
            }
        }
    }

    @Test
    void rowsOfDifferentLengthsSteppedTogetherMatchTheirSoloRuns() {
        // continuous batching: two sequences at different positions share one step, each as it would run alone
        Decoder decoder = model.decoder();
        long[] a = {17, 4000, 256, 3, 1999, 77, 2048};
        long[] b = {1234, 55};
        long nextA = 9;
        long nextB = 4095;
        float[] aloneA;
        float[] aloneB;
        try (KvCache c = decoder.newCache(1, 16)) {
            decoder.forward(a, c);
            aloneA = decoder.forward(new long[] {nextA}, c);
        }
        try (KvCache c = decoder.newCache(1, 16)) {
            decoder.forward(b, c);
            aloneB = decoder.forward(new long[] {nextB}, c);
        }
        try (KvCache c = decoder.newCache(2, 16)) {
            boolean[] one = {true};
            decoder.forward(new long[][] {a}, null, -1, c, 0, one);
            decoder.forward(new long[][] {b}, null, -1, c, 1, one);
            float[][] both = decoder.forward(new long[][] {{nextA}, {nextB}}, null, -1, c, 0, new boolean[] {true, true});
            assertTrue(maxAbsDiff(aloneA, both[0]) <= 1e-5, "row 0 differs by " + maxAbsDiff(aloneA, both[0]));
            assertTrue(maxAbsDiff(aloneB, both[1]) <= 1e-5, "row 1 differs by " + maxAbsDiff(aloneB, both[1]));
        }
    }
}
