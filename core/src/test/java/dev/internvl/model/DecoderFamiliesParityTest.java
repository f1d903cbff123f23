package dev.internvl.model;

import static dev.internvl.model.GoldenFiles.argmax;
import static dev.internvl.model.GoldenFiles.floats;
import static dev.internvl.model.GoldenFiles.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.checkpoint.LlmConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * InternLM2, Phi-3, Llama and Qwen2.5 decoders with each RoPE scaling their checkpoints use, against Hugging Face
 * transformers' logits on the same tiny random weights (fp32; {@code golden/families}, written by
 * {@code tools/reference-logits/generate.py}): last-position logits of prompts of 1..40 tokens (beyond the
 * context where the scaling depends on length) and a greedy continuation through the KV cache.
 */
class DecoderFamiliesParityTest {

    static final JsonObject MANIFEST = JsonParser.parseString(new String(GoldenFiles.bytes("families/manifest.json"),
            StandardCharsets.UTF_8)).getAsJsonObject();

    @TempDir
    Path dir;

    static Stream<Arguments> variants() {
        List<Arguments> out = new ArrayList<>();
        for (Map.Entry<String, JsonElement> f : MANIFEST.getAsJsonObject("families").entrySet()) {
            for (String variant : f.getValue().getAsJsonObject().getAsJsonObject("variants").keySet()) {
                out.add(Arguments.of(f.getKey(), variant));
            }
        }
        return out.stream();
    }

    static long[] prompt(String name) {
        return MANIFEST.getAsJsonObject("prompts").getAsJsonArray(name).asList().stream()
                .mapToLong(JsonElement::getAsLong).toArray();
    }

    InternVLModel load(String family, String variant) throws IOException {
        JsonObject v = MANIFEST.getAsJsonObject("families").getAsJsonObject(family).getAsJsonObject("variants")
                .getAsJsonObject(variant);
        Files.write(dir.resolve("config.json"), GoldenFiles.bytes("families/" + family + "/" + v.get("config").getAsString()));
        Files.write(dir.resolve("model.safetensors"), GoldenFiles.bytes("families/" + family + "/model.safetensors"));
        return InternVLModel.load(dir, ModelOptions.defaults().withDtype(ComputeDType.FP32).languageOnly());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("variants")
    void lastLogitsAndCachedGreedyMatchTransformers(String family, String variant) throws IOException {
        JsonObject cases = MANIFEST.getAsJsonObject("families").getAsJsonObject(family).getAsJsonObject("variants")
                .getAsJsonObject(variant).getAsJsonObject("cases");
        float worst = 0;
        try (InternVLModel model = load(family, variant)) {
            Decoder decoder = model.decoder();
            for (Map.Entry<String, JsonElement> c : cases.entrySet()) {
                JsonObject expected = c.getValue().getAsJsonObject();
                long[] ids = prompt(c.getKey());
                long[] greedy = expected.getAsJsonArray("greedy").asList().stream().mapToLong(JsonElement::getAsLong)
                        .toArray();
                long[] got = new long[greedy.length];
                try (KvCache cache = decoder.newCache(1, ids.length + greedy.length)) {
                    float[] logits = decoder.forward(ids, cache);
                    float[] reference = floats("families/" + family + "/" + expected.get("logits").getAsString());
                    float diff = maxAbsDiff(logits, reference);
                    String what = family + " " + variant + " " + c.getKey();
                    assertTrue(diff <= 1e-4, what + ": logits differ by " + diff);
                    worst = Math.max(worst, diff);
                    assertEquals(expected.get("argmax").getAsInt(), argmax(logits), what);
                    for (int i = 0; i < got.length; i++) {
                        got[i] = argmax(logits);
                        logits = decoder.forward(new long[] {got[i]}, cache);
                    }
                    assertArrayEquals(greedy, got, what + " greedy continuation");
                }
            }
        }
        System.out.printf("%s %s: %d prompts, max abs logit diff vs transformers %.3g%n", family, variant,
                cases.size(), worst);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void familyConfigIsReadAsTheReferenceReadsIt(String family, String architecture) throws IOException {
        try (InternVLModel model = load(family, "none")) {
            LlmConfig cfg = model.config().llm();
            assertEquals(architecture, cfg.architecture());
            assertEquals(cfg.hiddenSize() / cfg.numHeads(), cfg.headDim());
            assertEquals(family.equals("qwen2_5"), model.decoder().tiedHead());
        }
    }

    static Stream<Arguments> families() {
        return Stream.of(Arguments.of("internlm2", LlmConfig.INTERNLM2), Arguments.of("phi3", LlmConfig.PHI3),
                Arguments.of("llama", LlmConfig.LLAMA), Arguments.of("qwen2_5", LlmConfig.QWEN2));
    }
}
