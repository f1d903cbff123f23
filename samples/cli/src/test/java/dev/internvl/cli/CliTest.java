package dev.internvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.testing.RandomCheckpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parity CLI contract: command names, file formats, results against the reference data, and errors. */
class CliTest {

    /** The engine module's reference data (official InternVL outputs; see its README). */
    static final Path GOLDEN = Path.of("../../core/src/test/resources/golden");
    static final Path TOKENIZER = Path.of("../../core/src/test/resources/tokenizers/internvl2-qwen2");

    @TempDir
    static Path tmp;

    static Path tiny;

    record Run(int status, String out, String err) {
    }

    @BeforeAll
    static void tinyCheckpoint() throws IOException {
        tiny = writeTiny(tmp.resolve("tiny"), 5);
    }

    /** A tiny random-weight checkpoint (Qwen2 decoder, Hermes-2 template) with the test tokenizer, in {@code dir}. */
    static Path writeTiny(Path dir, long seed) throws IOException {
        Files.createDirectory(dir);
        RandomCheckpoint.write(dir, RandomCheckpoint.Dims.tiny(), TensorDType.BF16, seed, 1, "Hermes-2");
        Files.copy(TOKENIZER.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(TOKENIZER.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        return dir;
    }

    static synchronized Run cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int status = Main.run(args);
            return new Run(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static float[] rawFloats(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        if (p.toString().endsWith(".gz")) {
            try (GZIPInputStream gz = new GZIPInputStream(Files.newInputStream(p))) {
                b = gz.readAllBytes();
            }
        }
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void preprocessWritesReferenceTilesByteExact() throws Exception {
        JsonObject golden = null;
        for (JsonElement c : JsonParser.parseString(Files.readString(GOLDEN.resolve("preprocess/real_max12_thumb.json")))
                .getAsJsonObject().getAsJsonArray("cases")) {
            if (c.getAsJsonObject().get("image").getAsString().startsWith("portrait_grace_hopper")) {
                golden = c.getAsJsonObject();
            }
        }
        Path out = tmp.resolve("pre");
        Run r = cli("preprocess", "--image", GOLDEN.resolve("images/portrait_grace_hopper_512x600.jpg").toString(),
                "--max-tiles", "12", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        JsonObject meta = JsonParser.parseString(Files.readString(out.resolve("tiles.json"))).getAsJsonObject();
        assertEquals(golden.get("grid"), meta.get("grid"));
        int n = golden.get("num_tiles").getAsInt();
        assertEquals(n, meta.get("tiles").getAsInt());
        JsonArray tiles = golden.getAsJsonArray("tiles");
        for (int k = 0; k < n; k++) {
            byte[] rgb = Files.readAllBytes(out.resolve("tile-" + k + ".rgb"));
            assertEquals(448 * 448 * 3, rgb.length);
            assertEquals(tiles.get(k).getAsJsonObject().get("sha256_rgb_uint8").getAsString(), sha256(rgb), "tile " + k);
        }
        Npy.Array px = Npy.read(out.resolve("pixel_values.npy"));
        assertEquals(java.util.List.of((long) n, 3L, 448L, 448L), java.util.Arrays.stream(px.shape()).boxed().toList());
    }

    @Test
    void visionMatchesTheReferenceProjectorOutput() throws Exception {
        Path ckpt = Files.createDirectory(tmp.resolve("vit"));
        Files.copy(GOLDEN.resolve("vision/vit300m_style.config.json"), ckpt.resolve("config.json"));
        Files.copy(GOLDEN.resolve("vision/vit300m_style.safetensors"), ckpt.resolve("model.safetensors"));
        Path pixels = tmp.resolve("grace.npy");
        Npy.write(pixels, rawFloats(GOLDEN.resolve("vision/input_grace_1tile.bin.gz")), 1, 3, 448, 448);
        Path out = tmp.resolve("proj.npy");
        Path raw = tmp.resolve("vit.npy");
        Run r = cli("vision", "--model", ckpt.toString(), "--pixels", pixels.toString(), "--out", out.toString(),
                "--raw-vit", raw.toString());
        assertEquals(0, r.status(), r.err());
        Npy.Array proj = Npy.read(out);
        assertEquals(256, proj.shape()[0]);
        assertEquals(48, proj.shape()[1]);
        assertTrue(maxAbsDiff(proj.data(), rawFloats(GOLDEN.resolve("vision/vit300m_style__grace_1tile__projector_out.bin")))
                <= 1e-4);
        Npy.Array vit = Npy.read(raw);
        assertEquals(3, vit.shape().length);
        assertTrue(maxAbsDiff(vit.data(), rawFloats(GOLDEN.resolve(
                "vision/vit300m_style__grace_1tile__vit_last_hidden_nocls.bin"))) <= 1e-4);
    }

    @Test
    void logitsMatchTheReferenceDecoder() throws Exception {
        Path ckpt = Files.createDirectory(tmp.resolve("llm"));
        Files.copy(GOLDEN.resolve("llm/config.json"), ckpt.resolve("config.json"));
        Files.copy(GOLDEN.resolve("llm/qwen2_tiny.safetensors"), ckpt.resolve("model.safetensors"));
        Path out = tmp.resolve("logits.npy");
        Run r = cli("logits", "--model", ckpt.toString(), "--ids", "17,4000,256,3,1999,77,2048", "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(maxAbsDiff(Npy.read(out).data(), rawFloats(GOLDEN.resolve("llm/seq_len7__last_logits.bin"))) <= 1e-4);
    }

    @Test
    void promptPrintsTheChatPromptAndItsIds() {
        Run r = cli("prompt", "--model", tiny.toString(), "--question", "What is it?", "--image-tiles", "7");
        assertEquals(0, r.status(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        String prompt = o.get("prompt").getAsString();
        assertTrue(prompt.startsWith("<|im_start|>system\n"));
        assertTrue(prompt.endsWith("<img>" + "<IMG_CONTEXT>".repeat(256 * 7) + "</img>\nWhat is it?<|im_end|>"
                + "<|im_start|>assistant\n"));
        long contexts = o.getAsJsonArray("input_ids").asList().stream().filter(e -> e.getAsLong() == 151648).count();
        assertEquals(256 * 7, contexts);
    }

    @Test
    void promptUsesHistoryFromAFile() throws IOException {
        Path history = tmp.resolve("history.json");
        Files.writeString(history, "[[\"Hi\", \"Hello!\"]]");
        Run r = cli("prompt", "--model", tiny.toString(), "--question", "And now?", "--history", history.toString(),
                "--system", "Be brief.");
        assertEquals(0, r.status(), r.err());
        String prompt = JsonParser.parseString(r.out()).getAsJsonObject().get("prompt").getAsString();
        assertEquals("<|im_start|>system\nBe brief.<|im_end|><|im_start|>user\nHi<|im_end|><|im_start|>assistant\n"
                + "Hello!<|im_end|><|im_start|>user\nAnd now?<|im_end|><|im_start|>assistant\n", prompt);
    }

    @Test
    void chatStreamsAnAnswer() {
        Run r = cli("chat", "--model", tiny.toString(), "--image",
                GOLDEN.resolve("images/tiny_rose_70x46.png").toString(), "--max-new-tokens", "6", "--dtype", "fp32",
                "Describe the image.");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().endsWith("\n"));
    }

    /** {@code chat} without a question reads {@code lines} as the conversation. */
    static Run session(String... lines) {
        java.io.InputStream in = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream((String.join("\n", lines) + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            return cli("chat", "--model", tiny.toString(), "--max-new-tokens", "4", "--dtype", "fp32");
        } finally {
            System.setIn(in);
        }
    }

    @Test
    void aConversationUnderstandsResetAndExit() {
        Run alone = cli("chat", "--model", tiny.toString(), "--max-new-tokens", "4", "--dtype", "fp32", "Tell me more");
        assertEquals(0, alone.status(), alone.err());
        Run r = session("Hi", "/reset", "Tell me more", "/exit", "Never asked");
        assertEquals(0, r.status(), r.err());
        List<String> answers = r.out().lines().toList();
        // two answers: /reset and /exit are no questions, and nothing after /exit is asked
        assertEquals(2, answers.size(), r.out());
        // after /reset the question is asked as in a new conversation
        assertEquals(alone.out().strip(), answers.get(1).strip());
        assertTrue(r.err().contains("(new conversation)"), r.err());
    }

    @Test
    void chatChecksItsArgumentsBeforeLoadingTheModel() {
        // the model does not exist: the tile limit is what the error names, so it was checked first
        assertOneLineError(cli("chat", "--model", tmp.resolve("absent").toString(), "--max-tiles", "0", "Hi"),
                "--max-tiles must be between 1 and 40, got 0");
    }

    @Test
    void benchPrintsItsJson() {
        Run r = cli("bench", "--dims", "tiny", "--work-dir", tmp.toString(), "--new-tokens", "4", "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        for (String k : new String[] {"ttft_ms", "decode_tokens_per_s", "peak_rss_mb", "weights_mb", "llm_weights_mb",
                "dtype", "quantization", "batch", "packed_weights"}) {
            assertTrue(o.has(k), k);
        }
        assertTrue(o.get("decode_tokens_per_s").getAsDouble() > 0);
        assertTrue(o.get("weights_mb").getAsDouble() > o.get("llm_weights_mb").getAsDouble(), "with the vision part");
        Run text = cli("bench", "--dims", "tiny", "--work-dir", tmp.toString(), "--new-tokens", "4", "--tiles", "0",
                "--json");
        assertEquals(0, text.status(), text.err());
        JsonObject t = JsonParser.parseString(text.out()).getAsJsonObject();
        assertEquals(t.get("llm_weights_mb").getAsDouble(), t.get("weights_mb").getAsDouble(),
                "text only: the vision encoder is not loaded");
    }

    @Test
    void benchServesConcurrentRequestsThroughTheScheduler() {
        Run r = cli("bench", "--dims", "tiny", "--work-dir", tmp.toString(), "--new-tokens", "6", "--json",
                "--concurrent", "3", "--tiles", "2", "--prefill-chunk", "64");
        assertEquals(0, r.status(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals("concurrent", o.get("mode").getAsString());
        assertEquals(3, o.get("batch").getAsInt());
        double ttft = o.get("ttft_ms").getAsDouble();
        assertTrue(ttft > 0 && ttft <= o.get("ttft_ms_last").getAsDouble(), r.out());
        assertTrue(o.get("end_to_end_tokens_per_s").getAsDouble() > 0, r.out());
        assertTrue(o.get("max_stall_ms").getAsDouble() > 0, r.out());
        assertOneLineError(cli("bench", "--dims", "tiny", "--concurrent", "2", "--batch", "2"), "--concurrent");
    }

    @Test
    void benchAndChatRunQuantized() {
        Run none = cli("bench", "--dims", "tiny", "--work-dir", tmp.toString(), "--new-tokens", "3", "--json");
        Run int8 = cli("bench", "--dims", "tiny", "--work-dir", tmp.toString(), "--new-tokens", "3", "--json",
                "--quantization", "int8", "--batch", "2");
        Run int4 = cli("bench", "--dims", "tiny", "--work-dir", tmp.toString(), "--new-tokens", "3", "--json",
                "--quantization", "int4:32");
        assertEquals(0, int8.status(), int8.err());
        assertEquals(0, int4.status(), int4.err());
        double base = JsonParser.parseString(none.out()).getAsJsonObject().get("llm_weights_mb").getAsDouble();
        JsonObject q8 = JsonParser.parseString(int8.out()).getAsJsonObject();
        assertEquals("int8", q8.get("quantization").getAsString());
        assertEquals(2, q8.get("batch").getAsInt());
        assertTrue(q8.get("llm_weights_mb").getAsDouble() < base * 0.6);
        assertEquals("int4:32", JsonParser.parseString(int4.out()).getAsJsonObject().get("quantization").getAsString());
        Run chat = cli("chat", "--model", tiny.toString(), "--quantization", "int8", "--max-new-tokens", "3", "Hi");
        assertEquals(0, chat.status(), chat.err());
        assertOneLineError(cli("chat", "--model", tiny.toString(), "--quantization", "int4:64", "Hi"),
                "group size 64");
    }

    static void assertOneLineError(Run r, String... parts) {
        assertEquals(1, r.status());
        String err = r.err().strip();
        assertTrue(err.startsWith("error: "), err);
        assertTrue(!err.contains("\n"), "more than one line: " + err);
        assertTrue(!err.contains("Exception"), "stack trace or class name: " + err);
        for (String p : parts) {
            assertTrue(err.contains(p), "'" + err + "' lacks '" + p + "'");
        }
    }

    @Test
    void badInputGivesOneClearLine() throws IOException {
        assertOneLineError(cli("preprocess", "--image", tmp.resolve("missing.jpg").toString(), "--out",
                tmp.resolve("x").toString()), "missing.jpg");
        Path corrupt = tmp.resolve("corrupt.jpg");
        Files.write(corrupt, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 1, 2, 3});
        assertOneLineError(cli("preprocess", "--image", corrupt.toString(), "--out", tmp.resolve("x").toString()),
                "corrupt.jpg");

        Path broken = Files.createDirectory(tmp.resolve("broken"));
        Files.copy(GOLDEN.resolve("llm/config.json"), broken.resolve("config.json"));
        Files.write(broken.resolve("model.safetensors"), new byte[] {9, 0, 0, 0, 0, 0, 0, 0, '{', 'x'});
        assertOneLineError(cli("logits", "--model", broken.toString(), "--ids", "1", "--out",
                tmp.resolve("l.npy").toString()), "model.safetensors", "malformed safetensors");

        Path noTensor = Files.createDirectory(tmp.resolve("notensor"));
        Files.copy(GOLDEN.resolve("llm/config.json"), noTensor.resolve("config.json"));
        Files.copy(GOLDEN.resolve("vision/vit300m_style.safetensors"), noTensor.resolve("model.safetensors"));
        assertOneLineError(cli("logits", "--model", noTensor.toString(), "--ids", "1", "--out",
                tmp.resolve("l.npy").toString()), "language_model.model.embed_tokens.weight", "missing");

        Path arch = Files.createDirectory(tmp.resolve("arch"));
        Files.writeString(arch.resolve("config.json"), Files.readString(GOLDEN.resolve("llm/config.json"))
                .replace("Qwen2ForCausalLM", "GPTNeoXForCausalLM"));
        assertOneLineError(cli("logits", "--model", arch.toString(), "--ids", "1", "--out",
                tmp.resolve("l.npy").toString()), "GPTNeoXForCausalLM", "not supported");

        Path shape = Files.createDirectory(tmp.resolve("shape"));
        Files.writeString(shape.resolve("config.json"), Files.readString(GOLDEN.resolve("llm/config.json"))
                .replace("\"intermediate_size\": 128", "\"intermediate_size\": 96"));
        Files.copy(GOLDEN.resolve("llm/qwen2_tiny.safetensors"), shape.resolve("model.safetensors"));
        assertOneLineError(cli("logits", "--model", shape.toString(), "--ids", "1", "--out",
                tmp.resolve("l.npy").toString()), "gate_proj.weight", "[128, 64]", "[96, 64]");

        assertOneLineError(cli("logits", "--model", tiny.toString(), "--ids", "999999999", "--out",
                tmp.resolve("l.npy").toString()), "999999999", "outside the vocabulary");

        Path notNpy = tmp.resolve("bad.npy");
        Files.writeString(notNpy, "hello");
        assertOneLineError(cli("vision", "--model", tiny.toString(), "--pixels", notNpy.toString(), "--out",
                tmp.resolve("v.npy").toString()), "bad.npy", "not a .npy file");
    }
}
