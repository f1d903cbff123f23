package dev.internvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.testing.RandomCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The parity CLI (prompt, logits, vision, chat) on tiny random checkpoints of each decoder family, with their
 * SentencePiece tokenizers: InternLM2 (InternViT-6B style, internlm2-chat), Phi-3 (InternViT-300M style,
 * phi3-chat) and Llama/Yi (6B style, Hermes-2).
 */
class CliFamiliesTest {

    static final Path TOKENIZERS = Path.of("../../core/src/test/resources/tokenizers");
    static final Path GOLDEN = CliTest.GOLDEN;

    @TempDir
    Path tmp;

    record Family(String arch, boolean vision6b, String template, String tokenizerConfig, String tokenizerClass,
            long imageContextId, boolean bos, String systemStart) {
    }

    static Family family(String name) {
        return switch (name) {
            case "internlm2" -> new Family(LlmConfig.INTERNLM2, true, "internlm2-chat", "internlm2-style", null, 32008,
                    true, "<|im_start|>system\n");
            case "phi3" -> new Family(LlmConfig.PHI3, false, "phi3-chat", "phi3-internvl", null, 32013, false,
                    "<|system|>\n");
            case "llama" -> new Family(LlmConfig.LLAMA, true, "Hermes-2", "internlm2-style", "LlamaTokenizer", 32008,
                    true, "<|im_start|>system\n");
            default -> throw new IllegalArgumentException(name);
        };
    }

    Path checkpoint(Family f) throws IOException {
        Path dir = tmp.resolve("ckpt");
        RandomCheckpoint.write(dir, RandomCheckpoint.Dims.tiny().withFamily(f.arch(), f.vision6b(), 32064),
                TensorDType.BF16, 11, 2, f.template());
        Files.copy(TOKENIZERS.resolve("mistral-spm/tokenizer.model"), dir.resolve("tokenizer.model"));
        String config = Files.readString(TOKENIZERS.resolve(f.tokenizerConfig()).resolve("tokenizer_config.json"));
        if (f.tokenizerClass() != null) {
            config = config.replace("\"InternLM2Tokenizer\"", "\"" + f.tokenizerClass() + "\"");
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), config);
        return dir;
    }

    @ParameterizedTest
    @ValueSource(strings = {"internlm2", "phi3", "llama"})
    void promptLogitsVisionAndChatWork(String name) throws Exception {
        Family f = family(name);
        Path ckpt = checkpoint(f);

        CliTest.Run r = CliTest.cli("prompt", "--model", ckpt.toString(), "--question", "What is it?",
                "--image-tiles", "2");
        assertEquals(0, r.status(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertTrue(o.get("prompt").getAsString().startsWith(f.systemStart()), o.get("prompt").getAsString());
        List<Long> ids = o.getAsJsonArray("input_ids").asList().stream().map(e -> e.getAsLong()).toList();
        assertEquals(256 * 2, ids.stream().filter(id -> id == f.imageContextId()).count());
        assertEquals(f.bos(), ids.get(0) == 1L, name + " BOS");

        Path logits = tmp.resolve("logits.npy");
        r = CliTest.cli("logits", "--model", ckpt.toString(), "--ids", "1,5,900,31999", "--out", logits.toString());
        assertEquals(0, r.status(), r.err());
        float[] l = Npy.read(logits).data();
        assertEquals(32064, l.length);
        for (float v : l) {
            assertTrue(Float.isFinite(v));
        }

        float[] px = new float[3 * 448 * 448];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) (rnd.nextDouble() * 4 - 2);
        }
        Path pixels = tmp.resolve("px.npy");
        Npy.write(pixels, px, 1, 3, 448, 448);
        Path proj = tmp.resolve("proj.npy");
        r = CliTest.cli("vision", "--model", ckpt.toString(), "--pixels", pixels.toString(), "--out", proj.toString());
        assertEquals(0, r.status(), r.err());
        Npy.Array out = Npy.read(proj);
        assertEquals(256, out.shape()[0]);
        assertEquals(32, out.shape()[1]);

        r = CliTest.cli("chat", "--model", ckpt.toString(), "--image",
                GOLDEN.resolve("images/tiny_rose_70x46.png").toString(), "--max-new-tokens", "5", "--dtype", "fp32",
                "Describe the image.");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().endsWith("\n"));
    }
}
