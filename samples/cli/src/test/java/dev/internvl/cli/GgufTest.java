package dev.internvl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.checkpoint.TensorInfo;
import dev.internvl.testing.RandomCheckpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code gguf} command and {@link GgufWriter}: the file is read back by an independent GGUF reader (header,
 * metadata, tensor infos, alignment, offsets) and its tensors are checked against the checkpoint's values; the
 * quantized block formats against blocks computed by hand.
 */
class GgufTest {

    @TempDir
    static Path tmp;

    /** Tiny Qwen2 checkpoints: untied head, two shards, no tokenizer; tied head with the Qwen2 tokenizer. */
    static Path untied;
    static Path tied;

    @BeforeAll
    static void checkpoints() throws IOException {
        untied = tmp.resolve("untied");
        RandomCheckpoint.write(untied, RandomCheckpoint.Dims.tiny(), TensorDType.BF16, 3, 2, "Hermes-2");
        tied = tmp.resolve("tied");
        RandomCheckpoint.Dims t = RandomCheckpoint.Dims.tiny();
        RandomCheckpoint.write(tied, new RandomCheckpoint.Dims(t.visionHidden(), t.visionHeads(),
                t.visionIntermediate(), t.visionLayers(), t.llmHidden(), t.llmIntermediate(), t.llmLayers(),
                t.llmHeads(), t.llmKvHeads(), t.vocabSize(), true), TensorDType.BF16, 4, 1, "Hermes-2");
        Files.copy(CliTest.TOKENIZER.resolve("tokenizer.json"), tied.resolve("tokenizer.json"));
        Files.copy(CliTest.TOKENIZER.resolve("tokenizer_config.json"), tied.resolve("tokenizer_config.json"));
    }

    static GgufFile convert(Path ckpt, String type) throws IOException {
        Path out = tmp.resolve(ckpt.getFileName() + "-" + type + ".gguf");
        CliTest.Run r = CliTest.cli("gguf", "--model", ckpt.toString(), "--type", type, "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        return GgufFile.read(out);
    }

    @Test
    void writesQwen2MetadataAndEveryDecoderTensor() throws IOException {
        GgufFile f = convert(untied, "bf16");
        assertEquals(3, f.version);
        assertEquals(32L, f.kv.get("general.alignment"));
        assertEquals("qwen2", f.kv.get("general.architecture"));
        assertEquals(32L, f.kv.get("general.file_type"));
        assertEquals(32L, f.kv.get("qwen2.embedding_length"));
        assertEquals(2L, f.kv.get("qwen2.block_count"));
        assertEquals(64L, f.kv.get("qwen2.feed_forward_length"));
        assertEquals(4L, f.kv.get("qwen2.attention.head_count"));
        assertEquals(2L, f.kv.get("qwen2.attention.head_count_kv"));
        LlmConfig cfg = Checkpoint.open(untied).config().llm();
        assertEquals((long) cfg.contextLength(), f.kv.get("qwen2.context_length"));
        assertEquals((float) cfg.ropeTheta(), f.kv.get("qwen2.rope.freq_base"));
        assertEquals((float) cfg.rmsNormEps(), f.kv.get("qwen2.attention.layer_norm_rms_epsilon"));
        assertNull(f.kv.get("qwen2.attention.key_length"), "head_dim is hidden / heads");

        Set<String> expected = new HashSet<>(List.of("token_embd.weight", "output_norm.weight", "output.weight"));
        for (int i = 0; i < 2; i++) {
            for (String n : List.of("attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight",
                    "attn_q.bias", "attn_k.bias", "attn_v.bias", "attn_output.weight", "ffn_norm.weight",
                    "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight")) {
                expected.add("blk." + i + "." + n);
            }
        }
        assertEquals(expected, f.tensors.keySet());
        // dimensions innermost first; matrices in the chosen type, vectors f32
        assertArrayEquals(new long[] {32, 151655}, f.tensors.get("token_embd.weight").ne());
        assertArrayEquals(new long[] {32, 16}, f.tensors.get("blk.1.attn_k.weight").ne());
        assertArrayEquals(new long[] {64, 32}, f.tensors.get("blk.0.ffn_down.weight").ne());
        assertArrayEquals(new long[] {16}, f.tensors.get("blk.0.attn_v.bias").ne());
        assertEquals(30, f.tensors.get("blk.0.ffn_gate.weight").type());
        assertEquals(0, f.tensors.get("blk.0.attn_q.bias").type());
        assertEquals(0, f.tensors.get("output_norm.weight").type());
    }

    @Test
    void placeholderVocabularyWithoutATokenizer() throws IOException {
        GgufFile f = convert(untied, "q8_0");
        assertEquals("gpt2", f.kv.get("tokenizer.ggml.model"));
        assertEquals("qwen2", f.kv.get("tokenizer.ggml.pre"));
        List<?> tokens = (List<?>) f.kv.get("tokenizer.ggml.tokens");
        assertEquals(151655, tokens.size());
        assertEquals(151655, new HashSet<>(tokens).size(), "tokens are unique");
        assertEquals("!", tokens.get('!'));
        assertEquals("Ġ", tokens.get(' '), "byte-level symbol of the space");
        assertEquals("Ċ", tokens.get('\n'));
        assertEquals(List.of(), f.kv.get("tokenizer.ggml.merges"));
        assertEquals(151645L, f.kv.get("tokenizer.ggml.eos_token_id"));
        assertEquals("<|im_end|>", tokens.get(151645));
        List<?> types = (List<?>) f.kv.get("tokenizer.ggml.token_type");
        assertEquals(151655, types.size());
        assertEquals(1, types.get(65));
        assertEquals(3, types.get(151645));
        assertEquals(5, types.get(1000));
        assertEquals(Boolean.FALSE, f.kv.get("tokenizer.ggml.add_bos_token"));
    }

    @Test
    void checkpointTokenizerAndTiedHead() throws IOException {
        GgufFile f = convert(tied, "f16");
        assertFalse(f.tensors.containsKey("output.weight"), "a tied head is llama.cpp's default, not a tensor");
        List<?> tokens = (List<?>) f.kv.get("tokenizer.ggml.tokens");
        List<?> types = (List<?>) f.kv.get("tokenizer.ggml.token_type");
        assertEquals(151655, tokens.size());
        assertEquals("<|endoftext|>", tokens.get(151643));
        assertEquals("<IMG_CONTEXT>", tokens.get(151648));
        assertEquals(3, types.get(151648));
        assertEquals(1, types.get(100));
        List<?> merges = (List<?>) f.kv.get("tokenizer.ggml.merges");
        assertEquals(151387, merges.size());
        assertEquals("Ġ Ġ", merges.get(0));
        assertEquals(151643L, f.kv.get("tokenizer.ggml.bos_token_id"));
        assertEquals(151645L, f.kv.get("tokenizer.ggml.eos_token_id"));
        assertEquals(1L, f.kv.get("general.file_type"));
    }

    /** f32, bf16 and f16 tensors hold the checkpoint's values: exactly, or as the nearest half. */
    @ParameterizedTest
    @ValueSource(strings = {"f32", "bf16", "f16"})
    void floatTensorsHoldTheCheckpointValues(String type) throws IOException {
        GgufFile f = convert(untied, type);
        Checkpoint ckpt = Checkpoint.open(untied);
        Map<String, String> names = Map.of("token_embd.weight", "language_model.model.embed_tokens.weight",
                "output.weight", "language_model.lm_head.weight",
                "output_norm.weight", "language_model.model.norm.weight",
                "blk.1.attn_k.weight", "language_model.model.layers.1.self_attn.k_proj.weight",
                "blk.1.attn_k.bias", "language_model.model.layers.1.self_attn.k_proj.bias",
                "blk.0.ffn_up.weight", "language_model.model.layers.0.mlp.up_proj.weight",
                "blk.0.ffn_down.weight", "language_model.model.layers.0.mlp.down_proj.weight",
                "blk.0.attn_norm.weight", "language_model.model.layers.0.input_layernorm.weight");
        for (var e : names.entrySet()) {
            float[] want = checkpointValues(ckpt.tensor(e.getValue()));
            GgufFile.Tensor t = f.tensors.get(e.getKey());
            float[] got = f.floats(t);
            assertEquals(want.length, got.length, e.getKey());
            for (int i = 0; i < want.length; i++) {
                if (t.type() == 1) {
                    assertTrue(Math.abs(want[i] - got[i]) <= halfUlpF16(got[i]), e.getKey() + "[" + i + "]: " + want[i]
                            + " as f16 is " + got[i]);
                } else {
                    assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                            e.getKey() + "[" + i + "]");
                }
            }
        }
    }

    /** Q8_0 and Q4_0 tensors dequantize to the checkpoint's values within one quantization step. */
    @ParameterizedTest
    @ValueSource(strings = {"q8_0", "q4_0"})
    void quantizedTensorsDequantizeToTheCheckpointValues(String type) throws IOException {
        GgufFile f = convert(untied, type);
        Checkpoint ckpt = Checkpoint.open(untied);
        boolean q8 = type.equals("q8_0");
        for (var e : Map.of("token_embd.weight", "language_model.model.embed_tokens.weight",
                "blk.0.attn_q.weight", "language_model.model.layers.0.self_attn.q_proj.weight",
                "blk.1.ffn_down.weight", "language_model.model.layers.1.mlp.down_proj.weight").entrySet()) {
            GgufFile.Tensor t = f.tensors.get(e.getKey());
            assertEquals(q8 ? 8 : 2, t.type());
            float[] want = checkpointValues(ckpt.tensor(e.getValue()));
            float[][] blocks = f.dequantize(t);
            float[] got = blocks[0];
            float[] steps = blocks[1];
            assertEquals(want.length, got.length);
            double worst = 0;
            for (int i = 0; i < want.length; i++) {
                float step = Math.abs(steps[i / 32]);
                // half a step, plus the scale's fp16 rounding (2^-11 of it) times the largest code (127, 8); q4: a
                // whole step where a value opposite the largest clips at code 15
                float bound = (q8 ? 0.5f + 127 / 2048f : 1 + 8 / 2048f) * step * 1.001f + 1e-7f;
                assertTrue(Math.abs(want[i] - got[i]) <= bound, e.getKey() + "[" + i + "]: " + want[i] + " vs " + got[i]
                        + ", step " + step);
                worst = Math.max(worst, Math.abs(want[i] - got[i]));
            }
            assertTrue(worst > 0, "quantized, not copied");
        }
    }

    @Test
    void q8BlocksAsComputedByHand() {
        // max |x| = 127: d = 1, codes are x rounded half away from zero
        float[] a = new float[32];
        float[] v = {127, 2.5f, -2.5f, 0.5f, -0.5f, 1.49f, -1.51f, 0, 63.5f, -63.5f};
        System.arraycopy(v, 0, a, 0, v.length);
        byte[] codes = new byte[32];
        byte[] c = {127, 3, -3, 1, -1, 1, -2, 0, 64, -64};
        System.arraycopy(c, 0, codes, 0, c.length);
        assertArrayEquals(block(0x3c00, codes), q8(a));
        // 0..31: d = 31/127 (fp16 0x33d0), code j = round(j * 127 / 31)
        float[] ramp = new float[32];
        for (int j = 0; j < 32; j++) {
            ramp[j] = j;
        }
        byte[] rampCodes = {0, 4, 8, 12, 16, 20, 25, 29, 33, 37, 41, 45, 49, 53, 57, 61, 66, 70, 74, 78, 82, 86, 90, 94,
                98, 102, 107, 111, 115, 119, 123, 127};
        assertArrayEquals(block(0x33d0, rampCodes), q8(ramp));
        assertArrayEquals(block(0, new byte[32]), q8(new float[32]));
    }

    @Test
    void q4BlocksAsComputedByHand() {
        // one large negative value: max = -8, d = 1; code = min(15, trunc(x + 8.5)), -8 -> 0, j/4 -> 8..15 (clipped)
        float[] a = new float[32];
        a[0] = -8;
        for (int j = 1; j < 32; j++) {
            a[j] = j / 4f;
        }
        // codes 0..15: 0 8 9 9 9 9 10 10 10 10 11 11 11 11 12 12; codes 16..31: 12 12 13 13 13 13 14 14 14 14 15 x6
        byte[] packed = bytes(0xc0, 0xc8, 0xd9, 0xd9, 0xd9, 0xd9, 0xea, 0xea, 0xea, 0xea, 0xfb, 0xfb, 0xfb, 0xfb, 0xfc,
                0xfc);
        assertArrayEquals(block(0x3c00, packed), q4(a));
        // one large positive value: max = 8, d = -1 (fp16 0xbc00): 8 -> 0, 0 -> 8, -7.5 -> 15 (16, clipped)
        float[] b = new float[32];
        b[0] = 8;
        b[16] = -7.5f;
        b[17] = 3;
        byte[] packedB = new byte[16];
        java.util.Arrays.fill(packedB, (byte) 0x88);
        packedB[0] = (byte) (0 | 15 << 4);
        packedB[1] = (byte) (8 | 5 << 4);
        assertArrayEquals(block(0xbc00, packedB), q4(b));
        // all zero: d = 0 / -8, which is -0 (fp16 0x8000) as in ggml, and every code 8
        byte[] eights = new byte[16];
        java.util.Arrays.fill(eights, (byte) 0x88);
        assertArrayEquals(block(0x8000, eights), q4(new float[32]));
    }

    @Test
    void refusesOtherDecoderFamilies() throws IOException {
        for (String arch : List.of(LlmConfig.INTERNLM2, LlmConfig.LLAMA)) {
            Path dir = tmp.resolve("family-" + arch);
            RandomCheckpoint.write(dir, RandomCheckpoint.Dims.tiny().withFamily(arch, true, 32064), TensorDType.BF16,
                    5, 1, "Hermes-2");
            Path out = tmp.resolve(arch + ".gguf");
            CliTest.Run r = CliTest.cli("gguf", "--model", dir.toString(), "--type", "q8_0", "--out", out.toString());
            assertEquals(1, r.status());
            assertTrue(r.err().contains(arch) && r.err().contains(LlmConfig.QWEN2), r.err());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void refusesAnUnknownType() {
        Path out = tmp.resolve("typo.gguf");
        CliTest.Run r = CliTest.cli("gguf", "--model", untied.toString(), "--type", "q4", "--out", out.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("--type q4") && r.err().contains("q4_0"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void refusesRowsThatAreNotWholeBlocks() {
        GgufWriter w = new GgufWriter();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> w.addTensor("x", GgufWriter.TensorType.Q4_0, new long[] {2, 48}, (first, rows, dst) -> { }));
        assertTrue(e.getMessage().contains("48"), e.getMessage());
    }

    // ---- helpers

    static byte[] q8(float[] x) {
        ByteBuffer b = ByteBuffer.allocate(34).order(ByteOrder.LITTLE_ENDIAN);
        GgufWriter.quantizeQ8_0(x, 0, b);
        return b.array();
    }

    static byte[] q4(float[] x) {
        ByteBuffer b = ByteBuffer.allocate(18).order(ByteOrder.LITTLE_ENDIAN);
        GgufWriter.quantizeQ4_0(x, 0, b);
        return b.array();
    }

    /** A block: the scale's fp16 bits, little endian, then the code bytes. */
    static byte[] block(int scaleBits, byte[] codes) {
        byte[] b = new byte[2 + codes.length];
        b[0] = (byte) scaleBits;
        b[1] = (byte) (scaleBits >>> 8);
        System.arraycopy(codes, 0, b, 2, codes.length);
        return b;
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /** A bf16 checkpoint tensor's values, read from its safetensors file. */
    static float[] checkpointValues(TensorInfo t) throws IOException {
        assertEquals(TensorDType.BF16, t.dtype());
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(t.byteLength())).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(t.file(), StandardOpenOption.READ)) {
            while (b.hasRemaining()) {
                ch.read(b, t.offset() + b.position());
            }
        }
        b.flip();
        float[] v = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
        }
        return v;
    }

    /** IEEE half bits to float, written here so that the test does not trust the code under test. */
    static float half(int h) {
        int sign = (h & 0x8000) != 0 ? -1 : 1;
        int e = (h >>> 10) & 0x1f;
        int m = h & 0x3ff;
        if (e == 0) {
            return sign * m / (float) (1 << 24);
        }
        if (e == 31) {
            return m == 0 ? sign * Float.POSITIVE_INFINITY : Float.NaN;
        }
        return (float) (sign * (1 + m / 1024.0) * Math.pow(2, e - 15));
    }

    /** Half the distance between neighbouring halves at {@code v}: the most that rounding to half may move it. */
    static float halfUlpF16(float v) {
        float a = Math.abs(v);
        if (a < 0x1p-14f) {
            return 0x1p-25f;
        }
        return (float) Math.pow(2, Math.getExponent(a) - 11);
    }

    /** An independent GGUF reader: the whole file, checked for the layout rules as it is parsed. */
    static final class GgufFile {

        record Tensor(String name, long[] ne, int type, long offset) {
        }

        int version;
        final Map<String, Object> kv = new LinkedHashMap<>();
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        ByteBuffer data;

        static GgufFile read(Path p) throws IOException {
            GgufFile f = new GgufFile();
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[4];
            b.get(magic);
            assertEquals("GGUF", new String(magic, StandardCharsets.US_ASCII));
            f.version = b.getInt();
            long tensorCount = b.getLong();
            long kvCount = b.getLong();
            for (long i = 0; i < kvCount; i++) {
                String key = string(b);
                assertNull(f.kv.put(key, value(b, b.getInt())), "key " + key + " twice");
            }
            List<Tensor> order = new ArrayList<>();
            for (long i = 0; i < tensorCount; i++) {
                String name = string(b);
                int dims = b.getInt();
                long[] ne = new long[dims];
                for (int d = 0; d < dims; d++) {
                    ne[d] = b.getLong();
                }
                Tensor t = new Tensor(name, ne, b.getInt(), b.getLong());
                assertNull(f.tensors.put(name, t), "tensor " + name + " twice");
                order.add(t);
            }
            long alignment = (Long) f.kv.getOrDefault("general.alignment", 32L);
            int start = (int) ((b.position() + alignment - 1) / alignment * alignment);
            for (int i = b.position(); i < start; i++) {
                assertEquals(0, b.get(i), "padding before the data");
            }
            f.data = b.slice(start, b.capacity() - start).order(ByteOrder.LITTLE_ENDIAN);
            long end = 0;
            for (Tensor t : order) {
                assertEquals(0, t.offset() % alignment, t.name() + " offset " + t.offset() + " is not aligned");
                assertTrue(t.offset() >= end, t.name() + " overlaps the tensor before it");
                end = t.offset() + bytes(t);
            }
            assertTrue(end <= f.data.capacity() && f.data.capacity() - end < alignment,
                    "the data section ends with the last tensor (" + end + " of " + f.data.capacity() + ")");
            return f;
        }

        static long bytes(Tensor t) {
            long n = 1;
            for (long d : t.ne()) {
                n *= d;
            }
            return switch (t.type()) {
                case 0 -> n * 4;
                case 1, 30 -> n * 2;
                case 8 -> n / 32 * 34;
                case 2 -> n / 32 * 18;
                default -> throw new AssertionError("type " + t.type());
            };
        }

        static String string(ByteBuffer b) {
            byte[] s = new byte[Math.toIntExact(b.getLong())];
            b.get(s);
            return new String(s, StandardCharsets.UTF_8);
        }

        static Object value(ByteBuffer b, int type) {
            return switch (type) {
                case 0 -> (long) (b.get() & 0xff);
                case 1 -> (long) b.get();
                case 2 -> (long) (b.getShort() & 0xffff);
                case 3 -> (long) b.getShort();
                case 4 -> b.getInt() & 0xffffffffL;
                case 5 -> b.getInt();
                case 6 -> b.getFloat();
                case 7 -> {
                    byte v = b.get();
                    assertTrue(v == 0 || v == 1, "bool " + v);
                    yield v == 1;
                }
                case 8 -> string(b);
                case 9 -> {
                    int elementType = b.getInt();
                    long n = b.getLong();
                    List<Object> list = new ArrayList<>();
                    for (long i = 0; i < n; i++) {
                        list.add(value(b, elementType));
                    }
                    yield list;
                }
                case 10, 11 -> b.getLong();
                case 12 -> b.getDouble();
                default -> throw new AssertionError("metadata type " + type);
            };
        }

        /** An f32, f16 or bf16 tensor's values. */
        float[] floats(Tensor t) {
            int n = Math.toIntExact(bytes(t) / (t.type() == 0 ? 4 : 2));
            float[] v = new float[n];
            int at = Math.toIntExact(t.offset());
            for (int i = 0; i < n; i++) {
                v[i] = switch (t.type()) {
                    case 0 -> data.getFloat(at + 4 * i);
                    case 1 -> half(data.getShort(at + 2 * i) & 0xffff);
                    case 30 -> Float.intBitsToFloat((data.getShort(at + 2 * i) & 0xffff) << 16);
                    default -> throw new AssertionError("type " + t.type());
                };
            }
            return v;
        }

        /** A Q8_0 or Q4_0 tensor's dequantized values, and each block's scale. */
        float[][] dequantize(Tensor t) {
            long n = 1;
            for (long d : t.ne()) {
                n *= d;
            }
            int blocks = Math.toIntExact(n / 32);
            float[] v = new float[blocks * 32];
            float[] scales = new float[blocks];
            int at = Math.toIntExact(t.offset());
            int size = t.type() == 8 ? 34 : 18;
            for (int k = 0; k < blocks; k++) {
                int p = at + k * size;
                float d = half(data.getShort(p) & 0xffff);
                scales[k] = d;
                for (int j = 0; j < 32; j++) {
                    if (t.type() == 8) {
                        v[k * 32 + j] = data.get(p + 2 + j) * d;
                    } else {
                        int q = data.get(p + 2 + (j % 16)) & 0xff;
                        int code = j < 16 ? q & 0xf : q >>> 4;
                        v[k * 32 + j] = (code - 8) * d;
                    }
                }
            }
            assertNotNull(scales);
            return new float[][] {v, scales};
        }
    }
}
