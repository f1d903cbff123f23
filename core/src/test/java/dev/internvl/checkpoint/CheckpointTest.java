package dev.internvl.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.testing.RandomCheckpoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {

    @TempDir
    Path dir;

    static void assertMessage(Runnable r, String... parts) {
        CheckpointException e = assertThrows(CheckpointException.class, r::run);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
        }
    }

    Path tiny(int shards) throws IOException {
        RandomCheckpoint.write(dir, RandomCheckpoint.Dims.tiny(), TensorDType.BF16, 1, shards, "Hermes-2");
        return dir;
    }

    @Test
    void appliesTheReferenceDefaultsToAbsentKeys() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{\"llm_config\":{\"architectures\":[\"Qwen2ForCausalLM\"]},"
                + "\"vision_config\":{}}");
        InternVLConfig c = InternVLConfig.read(dir.resolve("config.json"));
        assertEquals(-1, c.selectLayer());
        assertEquals(0.5, c.downsampleRatio());
        assertEquals("v1", c.psVersion());
        assertEquals(1, c.minDynamicPatch());
        assertEquals(6, c.maxDynamicPatch());
        assertTrue(!c.useThumbnail());
        assertTrue(c.vision().rmsNorm(), "InternVisionConfig defaults to rms_norm");
        assertTrue(c.vision().qkNormalization());
        assertEquals(3200, c.vision().hiddenSize());
        assertEquals(48, c.vision().numLayers());
        assertEquals(224, c.imageSize());
        assertEquals(32, c.llm().numKvHeads(), "num_key_value_heads defaults to num_attention_heads");
        assertEquals(1e-6, c.llm().rmsNormEps());
    }

    @Test
    void readsTheShippedInternVL2Settings() throws IOException {
        InternVLConfig c = InternVLConfig.read(tiny(1).resolve("config.json"));
        assertEquals(256, c.numImageTokens());
        assertEquals("v2", c.psVersion());
        assertEquals(12, c.maxDynamicPatch());
        assertEquals("Hermes-2", c.template().orElseThrow());
        assertTrue(!c.vision().rmsNorm());
    }

    @Test
    void singleAndShardedCheckpointsIndexTheSameTensors() throws IOException {
        Checkpoint single = Checkpoint.open(tiny(1));
        Path shardedDir = Files.createDirectory(dir.resolve("sharded"));
        RandomCheckpoint.write(shardedDir, RandomCheckpoint.Dims.tiny(), TensorDType.BF16, 1, 3, "Hermes-2");
        Checkpoint sharded = Checkpoint.open(shardedDir);
        assertTrue(Files.exists(shardedDir.resolve("model.safetensors.index.json")));
        assertEquals(single.names(), sharded.names());
        TensorInfo a = single.tensor("language_model.model.embed_tokens.weight");
        TensorInfo b = sharded.tensor("language_model.model.embed_tokens.weight");
        assertArrayEquals(a.shape(), b.shape());
        assertEquals(TensorDType.BF16, b.dtype());
    }

    @Test
    void missingFolderConfigAndWeightsNameTheProblem() throws IOException {
        assertMessage(() -> Checkpoint.open(dir.resolve("nope")), "nope", "not a directory");
        assertMessage(() -> Checkpoint.open(dir), "config.json", "file not found");
        Files.writeString(dir.resolve("config.json"), "{not json");
        assertMessage(() -> Checkpoint.open(dir), "config.json", "not valid JSON");
        Files.writeString(dir.resolve("config.json"), RandomCheckpoint.config(RandomCheckpoint.Dims.tiny(),
                TensorDType.F32, "Hermes-2"));
        assertMessage(() -> Checkpoint.open(dir), "no model.safetensors");
        Files.writeString(dir.resolve("pytorch_model.bin"), "x");
        assertMessage(() -> Checkpoint.open(dir), "convert them to safetensors");
    }

    @Test
    void unknownArchitectureIsNamed() throws IOException {
        Path ckpt = tiny(1);
        String cfg = Files.readString(ckpt.resolve("config.json")).replace("Qwen2ForCausalLM", "MambaForCausalLM");
        Files.writeString(ckpt.resolve("config.json"), cfg);
        assertMessage(() -> Checkpoint.open(ckpt), "MambaForCausalLM", "not supported", "Qwen2ForCausalLM");
    }

    @Test
    void wrongConfigValueTypeIsNamed() throws IOException {
        Path ckpt = tiny(1);
        String cfg = Files.readString(ckpt.resolve("config.json")).replace("\"ps_version\": \"v2\"",
                "\"ps_version\": \"v3\"");
        Files.writeString(ckpt.resolve("config.json"), cfg);
        assertMessage(() -> Checkpoint.open(ckpt), "ps_version", "v3");
    }

    @Test
    void missingShardIsNamed() throws IOException {
        RandomCheckpoint.write(dir, RandomCheckpoint.Dims.tiny(), TensorDType.BF16, 1, 2, "Hermes-2");
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertMessage(() -> Checkpoint.open(dir), "model-00002-of-00002.safetensors", "missing");
    }

    @Test
    void missingTensorAndShapeMismatchAreNamed() throws IOException {
        Checkpoint c = Checkpoint.open(tiny(1));
        assertMessage(() -> c.tensor("language_model.model.layers.99.mlp.up_proj.weight"), "layers.99", "missing");
        assertMessage(() -> c.tensor("mlp1.0.weight", 7), "mlp1.0.weight", "shape [128]", "expected [7]");
    }

    private int files;

    private Path safetensors(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = dir.resolve("x" + files++ + ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    @Test
    void malformedSafetensorsHeadersAreRejectedWithTheFileName() throws IOException {
        Path f = dir.resolve("short.safetensors");
        Files.write(f, new byte[] {1, 2, 3});
        assertMessage(() -> SafetensorsFile.readHeader(f), "short.safetensors", "too short");

        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        Files.write(f, huge.array());
        assertMessage(() -> SafetensorsFile.readHeader(f), "short.safetensors", "header length");

        Path notObject = safetensors("[1,2]", 0);
        assertMessage(() -> SafetensorsFile.readHeader(notObject), "not a JSON object");
        Path outside = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4);
        assertMessage(() -> SafetensorsFile.readHeader(outside), "data_offsets", "outside");
        Path size = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        assertMessage(() -> SafetensorsFile.readHeader(size), "tensor a has 8 bytes", "needs 12");
        Path dtype = safetensors("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        assertMessage(() -> SafetensorsFile.readHeader(dtype), "unsupported dtype Q4");
        Path entry = safetensors("{\"a\":{\"shape\":[2]}}", 8);
        assertMessage(() -> SafetensorsFile.readHeader(entry), "entry a is malformed");
    }

    @Test
    void tensorsMustTileTheDataLikeTheSafetensorsLibraryRequires() throws IOException {
        // Two weights sharing bytes would load silently as the same numbers.
        Path overlap = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        assertMessage(() -> SafetensorsFile.readHeader(overlap), overlap.getFileName().toString(), "tensor b",
                "overlaps a");
        Path same = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        assertMessage(() -> SafetensorsFile.readHeader(same), "overlaps");
        Path gap = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12);
        assertMessage(() -> SafetensorsFile.readHeader(gap), "no tensor covers data bytes 4 to 8");
        Path trailing = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12);
        assertMessage(() -> SafetensorsFile.readHeader(trailing), "cover 4 of the 12 data bytes");
        // Out of order in the header but tiling the data: fine.
        Path reordered = safetensors("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,8]}}", 8);
        assertEquals(3, SafetensorsFile.readHeader(reordered).size());
    }

    @Test
    void aShardIndexMustSayWhereEachTensorIs() throws IOException {
        RandomCheckpoint.write(dir, RandomCheckpoint.Dims.tiny(), TensorDType.BF16, 1, 2, "Hermes-2");
        Path index = dir.resolve("model.safetensors.index.json");
        String original = Files.readString(index);
        Checkpoint c = Checkpoint.open(dir);
        String name = c.names().stream().filter(n -> c.tensor(n).file().getFileName().toString()
                .equals("model-00002-of-00002.safetensors")).findFirst().orElseThrow();
        com.google.gson.JsonObject moved = com.google.gson.JsonParser.parseString(original).getAsJsonObject();
        moved.getAsJsonObject("weight_map").addProperty(name, "model-00001-of-00002.safetensors");
        Files.writeString(index, moved.toString());
        assertMessage(() -> Checkpoint.open(dir), "model.safetensors.index.json", name,
                "in model-00001-of-00002.safetensors, but it is in model-00002-of-00002.safetensors");
        com.google.gson.JsonObject ghost = com.google.gson.JsonParser.parseString(original).getAsJsonObject();
        ghost.getAsJsonObject("weight_map").addProperty("ghost.weight", "model-00001-of-00002.safetensors");
        Files.writeString(index, ghost.toString());
        assertMessage(() -> Checkpoint.open(dir), "ghost.weight", "no shard holds it");
    }

    @Test
    void readsAValidHeaderWithMetadata() throws IOException {
        Path f = safetensors("{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"BF16\",\"shape\":[2,3],"
                + "\"data_offsets\":[0,12]}}", 12);
        TensorInfo t = SafetensorsFile.readHeader(f).get("w");
        assertEquals(TensorDType.BF16, t.dtype());
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertEquals(12, t.byteLength());
    }

    @Test
    void halfFloatConversionsRoundToNearestEven() {
        for (float v : new float[] {0f, -0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, 0.1f, 3.14159f}) {
            assertEquals(v, FloatFormats.fromF16(FloatFormats.toF16(v)), Math.abs(v) * 1e-3 + 1e-7);
        }
        assertEquals(Float.POSITIVE_INFINITY, FloatFormats.fromF16(FloatFormats.toF16(70000f)));
        assertEquals((short) 0x3c00, FloatFormats.toF16(1f));
        assertEquals((short) 0x3f80, FloatFormats.toBf16(1f));
        assertEquals(1.0078125f, FloatFormats.fromBf16(FloatFormats.toBf16(1.0078125f))); // exactly representable
        assertEquals(1f, FloatFormats.fromBf16(FloatFormats.toBf16(1.00390625f))); // tie rounds to even
    }
}
