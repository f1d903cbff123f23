package dev.internvl.model;

import static dev.internvl.model.GoldenFiles.argmax;
import static dev.internvl.model.GoldenFiles.floats;
import static dev.internvl.model.GoldenFiles.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Weight-only int8 and int4 decoders against the unquantized one (golden tiny Qwen2, untied head). */
class QuantizationTest {

    @TempDir
    static Path dir;

    static final long[][] PROMPTS = {{17, 4000, 256, 3, 1999, 77, 2048}, {1234}, {5, 9, 4095, 300, 2, 2, 2, 17}};

    static InternVLModel load(ComputeDType dtype, Quantization q) {
        GoldenFiles.checkpoint(dir, "llm/config.json", "llm/qwen2_tiny.safetensors");
        return InternVLModel.load(dir, ModelOptions.defaults().withDtype(dtype).languageOnly().withQuantization(q));
    }

    static float[] lastLogits(InternVLModel m, long[] ids) {
        try (KvCache c = m.decoder().newCache(1, ids.length + 1)) {
            return m.decoder().forward(ids, c);
        }
    }

    static float scale(float[] v) {
        float s = 0;
        for (float x : v) {
            s = Math.max(s, Math.abs(x));
        }
        return s;
    }

    /** Logit error relative to the largest |logit| of the unquantized model, worst over the prompts. */
    static float relativeError(ComputeDType dtype, Quantization q, boolean[] sameArgmax) {
        float worst = 0;
        try (InternVLModel ref = load(dtype, Quantization.NONE); InternVLModel quant = load(dtype, q)) {
            for (int i = 0; i < PROMPTS.length; i++) {
                float[] a = lastLogits(ref, PROMPTS[i]);
                float[] b = lastLogits(quant, PROMPTS[i]);
                worst = Math.max(worst, maxAbsDiff(a, b) / scale(a));
                sameArgmax[i] = argmax(a) == argmax(b);
            }
        }
        return worst;
    }

    @Test
    void int8StaysWithinTwoPercentAndKeepsTheArgmax() {
        for (ComputeDType d : new ComputeDType[] {ComputeDType.FP32, ComputeDType.BF16}) {
            boolean[] same = new boolean[PROMPTS.length];
            float err = relativeError(d, Quantization.INT8, same);
            assertTrue(err < 0.02f, d + " int8 logits differ by " + err + " of the largest logit");
            for (boolean s : same) {
                assertTrue(s, d + " int8 changed the greedy token");
            }
        }
    }

    @Test
    void int4StaysWithinAQuarterOfTheLargestLogit() {
        // Round-to-nearest int4 on random uniform weights is much coarser than int8 (measured here: 16.7% of the
        // largest logit at group 64; the shared measurements saw greedy tokens flip on a 0.5B model), so the bound
        // is on the logits, not on the argmax. That the kernels compute exactly the int4 formula is checked
        // separately (QuantizedLinearTest); finer groups must not be worse than coarser ones.
        float previous = 0;
        for (int group : new int[] {32, 64}) {
            boolean[] same = new boolean[PROMPTS.length];
            float err = relativeError(ComputeDType.BF16, Quantization.int4(group), same);
            assertTrue(err < 0.25f, "int4 group " + group + " logits differ by " + err + " of the largest logit");
            assertTrue(err >= previous * 0.8f, "group " + group + " error " + err + " vs finer groups " + previous);
            previous = err;
        }
    }

    @Test
    void quantizedCachedDecodingEqualsRerunningThePrefix() {
        try (InternVLModel m = load(ComputeDType.BF16, Quantization.int4(32))) {
            long[] seq = PROMPTS[2];
            float[] stepped;
            try (KvCache c = m.decoder().newCache(1, 16)) {
                m.decoder().forward(java.util.Arrays.copyOf(seq, 3), c);
                stepped = null;
                for (int i = 3; i < seq.length; i++) {
                    stepped = m.decoder().forward(new long[] {seq[i]}, c);
                }
            }
            assertTrue(maxAbsDiff(stepped, lastLogits(m, seq)) < 0.05f * scale(stepped));
        }
    }

    @Test
    void int8PrefillOfManyRowsAgreesWithTheFewRowKernel() {
        // 64+ rows take the dequantize-and-matmul route, single tokens libtorch's int8 kernel
        long[] seq = new long[80];
        for (int i = 0; i < seq.length; i++) {
            seq[i] = (i * 7919L + 13) % 4096;
        }
        for (ComputeDType d : new ComputeDType[] {ComputeDType.FP32, ComputeDType.BF16}) {
            try (InternVLModel m = load(d, Quantization.INT8)) {
                float[] stepped = null;
                try (KvCache c = m.decoder().newCache(1, seq.length)) {
                    for (long id : seq) {
                        stepped = m.decoder().forward(new long[] {id}, c);
                    }
                }
                float[] prefilled = lastLogits(m, seq);
                float tolerance = d == ComputeDType.FP32 ? 1e-4f : 0.02f;
                assertTrue(maxAbsDiff(stepped, prefilled) < tolerance * scale(stepped),
                        d + ": " + maxAbsDiff(stepped, prefilled) + " of " + scale(stepped));
                assertEquals(argmax(stepped), argmax(prefilled));
            }
        }
    }

    @Test
    void residentWeightsShrinkToAboutAHalfAndAQuarter() {
        long none;
        long int8;
        long int4;
        try (InternVLModel m = load(ComputeDType.BF16, Quantization.NONE)) {
            none = m.decoder().weightBytes();
        }
        try (InternVLModel m = load(ComputeDType.BF16, Quantization.INT8)) {
            int8 = m.decoder().weightBytes();
        }
        try (InternVLModel m = load(ComputeDType.BF16, Quantization.int4(64))) {
            int4 = m.decoder().weightBytes();
        }
        // the golden decoder is mostly embedding and untied head: int4 keeps the embedding as int8 rows for lookups
        assertTrue(int8 < none * 0.55, "int8 " + int8 + " vs bf16 " + none);
        assertTrue(int4 < none * 0.42, "int4 " + int4 + " vs bf16 " + none);
        assertTrue(int4 < int8);
    }

    @Test
    void aGroupSizeThatDoesNotTileTheMatricesIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load(ComputeDType.BF16, Quantization.int4(256)).close());
        assertTrue(e.getMessage().contains("group size 256"), e.getMessage());
        assertEquals("int4:64", Quantization.parse("int4").toString());
        assertThrows(IllegalArgumentException.class, () -> Quantization.parse("int3"));
    }

    @Test
    void goldenLogitsSurviveInt8() {
        try (InternVLModel m = load(ComputeDType.FP32, Quantization.INT8)) {
            float[] expected = floats("llm/seq_len7__last_logits.bin");
            float[] got = lastLogits(m, PROMPTS[0]);
            assertEquals(argmax(expected), argmax(got));
        }
    }
}
