package dev.internvl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.checkpoint.SafetensorsFile;
import dev.internvl.checkpoint.SafetensorsWriter;
import dev.internvl.checkpoint.TensorInfo;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.testing.RandomCheckpoint;
import dev.internvl.torch.KernelLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A quantized decoder is written once to its cache and mapped from it afterwards, with logits bit for bit those of
 * the decoder quantized at load; a changed checkpoint, a damaged file or an unwritable folder fall back to
 * quantizing, never to an error (golden tiny Qwen2 with an untied head; a random one with a tied head, which int8 shares with the embedding).
 */
class QuantizedCacheTest {

    @TempDir
    static Path root;
    static Path dir;

    static final long[][] PROMPTS = {{17, 4000, 256, 3, 1999, 77, 2048}, {5, 9, 4095, 300, 2, 2, 2, 17}};

    @BeforeAll
    static void checkpoint() throws IOException {
        dir = Files.createDirectories(root.resolve("ckpt"));
        GoldenFiles.checkpoint(dir, "llm/config.json", "llm/qwen2_tiny.safetensors");
    }

    static InternVLModel load(Path ckpt, Quantization q, String cache) {
        return InternVLModel.load(ckpt, ModelOptions.defaults().languageOnly().withQuantization(q)
                .withQuantizationCache(cache));
    }

    /** The greedy continuation's first logits and 6 greedy tokens of each prompt. */
    static float[][] run(InternVLModel m) {
        float[][] out = new float[PROMPTS.length * 2][];
        for (int p = 0; p < PROMPTS.length; p++) {
            long[] ids = PROMPTS[p];
            try (KvCache c = m.decoder().newCache(1, ids.length + 8)) {
                float[] logits = m.decoder().forward(ids, c);
                out[2 * p] = logits;
                float[] tokens = new float[6];
                for (int i = 0; i < tokens.length; i++) {
                    int next = GoldenFiles.argmax(logits);
                    tokens[i] = next;
                    logits = m.decoder().forward(new long[] {next}, c);
                }
                out[2 * p + 1] = tokens;
            }
        }
        return out;
    }

    static Path cacheFile(Path ckpt, Quantization q) {
        return ckpt.resolve(QuantizedCache.FOLDER)
                .resolve("decoder-" + q.toString().replace(':', '-') + "-bf16.safetensors");
    }

    @Test
    void theSecondLoadMapsTheCacheAndComputesTheSame() throws IOException {
        for (Quantization q : new Quantization[] {Quantization.INT8, Quantization.int4(32)}) {
            Files.deleteIfExists(cacheFile(dir, q));
            float[][] first;
            try (InternVLModel m = load(dir, q, "auto")) {
                assertFalse(m.decoder().loadedFromCache(), q + ": no cache yet");
                first = run(m);
            }
            assertTrue(Files.isRegularFile(cacheFile(dir, q)), q + ": the first load writes " + cacheFile(dir, q));
            try (InternVLModel m = load(dir, q, "auto")) {
                assertTrue(m.decoder().loadedFromCache(), q + ": the second load maps the cache");
                float[][] second = run(m);
                for (int i = 0; i < first.length; i++) {
                    assertArrayEquals(first[i], second[i], q + ": output " + i + " differs after the cache");
                }
            }
            try (Stream<Path> files = Files.list(dir.resolve(QuantizedCache.FOLDER))) {
                assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")), "no temporary file is left");
            }
        }
    }

    @Test
    void aChangedCheckpointOrADamagedFileIsQuantizedAgainAndReplaced() throws IOException {
        Quantization q = Quantization.INT8;
        try (InternVLModel m = load(dir, q, "auto")) {
            run(m); // makes sure the cache exists
        }
        Path file = cacheFile(dir, q);
        Path weights = dir.resolve("model.safetensors");
        Files.setLastModifiedTime(weights, FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() + 5000));
        try (InternVLModel m = load(dir, q, "auto")) {
            assertFalse(m.decoder().loadedFromCache(), "a checkpoint changed since the cache was written");
        }
        try (InternVLModel m = load(dir, q, "auto")) {
            assertTrue(m.decoder().loadedFromCache(), "the cache was rewritten for the changed checkpoint");
        }
        long size = Files.size(file);
        try (var ch = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
            ch.truncate(size / 2);
        }
        float[][] fresh;
        try (InternVLModel m = load(dir, q, "auto")) {
            assertFalse(m.decoder().loadedFromCache(), "a truncated cache is not used");
            fresh = run(m);
        }
        assertTrue(Files.size(file) == size, "the truncated cache was replaced by a whole one");
        try (InternVLModel m = load(dir, q, "auto")) {
            assertTrue(m.decoder().loadedFromCache());
            float[][] again = run(m);
            for (int i = 0; i < fresh.length; i++) {
                assertArrayEquals(fresh[i], again[i]);
            }
        }
    }

    @Test
    void anExplicitFolderOffAndAnUnwritableFolder() throws IOException {
        Path other = Files.createDirectories(root.resolve("other"));
        GoldenFiles.checkpoint(other, "llm/config.json", "llm/qwen2_tiny.safetensors");
        Path folder = root.resolve("caches");
        try (InternVLModel m = load(other, Quantization.INT8, folder.toString())) {
            assertFalse(m.decoder().loadedFromCache());
        }
        try (Stream<Path> files = Files.walk(folder)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().equals("decoder-int8-bf16.safetensors")),
                    "the cache is written under the folder given");
        }
        try (InternVLModel m = load(other, Quantization.INT8, folder.toString())) {
            assertTrue(m.decoder().loadedFromCache());
        }
        assertFalse(Files.exists(other.resolve(QuantizedCache.FOLDER)), "nothing is written next to the checkpoint");

        try (InternVLModel m = load(other, Quantization.INT8, "off")) {
            assertFalse(m.decoder().loadedFromCache());
        }
        assertFalse(Files.exists(other.resolve(QuantizedCache.FOLDER)), "off writes nothing");

        Path aFile = Files.writeString(root.resolve("not-a-folder"), "x");
        try (InternVLModel m = load(other, Quantization.INT8, aFile.resolve("sub").toString())) {
            assertFalse(m.decoder().loadedFromCache(), "an unwritable cache folder only costs the cache");
            assertTrue(run(m)[0].length > 0);
        }
    }

    @Test
    void aTiedInt8HeadIsStoredOnceAsTheEmbedding() throws IOException {
        Path tied = Files.createDirectories(root.resolve("tied"));
        RandomCheckpoint.write(tied, new RandomCheckpoint.Dims(32, 2, 64, 2, 32, 64, 2, 4, 2, 151655, true),
                TensorDType.BF16, 3, 1, "Hermes-2");
        float[][] first;
        try (InternVLModel m = load(tied, Quantization.INT8, "auto")) {
            assertTrue(m.decoder().tiedHead());
            first = run(m);
        }
        SafetensorsFile.Header h = SafetensorsFile.read(cacheFile(tied, Quantization.INT8));
        int head = KernelLayout.DecoderWeight.HEAD.ordinal();
        int embedding = KernelLayout.DecoderWeight.EMBEDDING.ordinal();
        assertTrue(h.metadata().get("same").contains(head + "=" + embedding), h.metadata().toString());
        assertFalse(h.tensors().containsKey("w." + head), "the head is not stored a second time");
        try (InternVLModel m = load(tied, Quantization.INT8, "auto")) {
            assertTrue(m.decoder().loadedFromCache());
            float[][] second = run(m);
            for (int i = 0; i < first.length; i++) {
                assertArrayEquals(first[i], second[i]);
            }
        }
    }

    @Test
    void aLanguageOnlyLoadAndAWholeLoadShareTheCache() throws IOException {
        // the vision encoder and projector in a shard of their own, which a language-only load does not index
        Path whole = Files.createDirectories(root.resolve("whole"));
        RandomCheckpoint.write(whole, RandomCheckpoint.Dims.tiny(), TensorDType.BF16, 5, 1, "Hermes-2");
        Path sharded = Files.createDirectories(root.resolve("sharded"));
        Files.copy(whole.resolve("config.json"), sharded.resolve("config.json"));
        var tensors = SafetensorsFile.readHeader(whole.resolve("model.safetensors")).values();
        com.google.gson.JsonObject map = new com.google.gson.JsonObject();
        for (boolean language : new boolean[] {false, true}) {
            String shard = language ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors";
            java.util.List<SafetensorsWriter.RawTensor> part = new java.util.ArrayList<>();
            for (TensorInfo t : tensors) {
                if (t.name().startsWith("language_model.") == language) {
                    part.add(new SafetensorsWriter.RawTensor(t.name(), t.dtype(), t.shape(), out -> {
                        try (var ch = Files.newByteChannel(whole.resolve("model.safetensors"))) {
                            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) t.byteLength());
                            ch.position(t.offset());
                            while (b.hasRemaining() && ch.read(b) >= 0) {
                                // reads the tensor's bytes
                            }
                            out.write(b.array());
                        }
                    }));
                    map.addProperty(t.name(), shard);
                }
            }
            SafetensorsWriter.writeRaw(sharded.resolve(shard), java.util.Map.of(), part);
        }
        com.google.gson.JsonObject index = new com.google.gson.JsonObject();
        index.add("weight_map", map);
        Files.writeString(sharded.resolve("model.safetensors.index.json"), index.toString());

        try (InternVLModel m = load(sharded, Quantization.INT8, "auto")) {
            assertFalse(m.decoder().loadedFromCache());
        }
        try (InternVLModel m = InternVLModel.load(sharded, ModelOptions.defaults()
                .withQuantization(Quantization.INT8))) {
            assertTrue(m.decoder().loadedFromCache(), "a load with the vision encoder maps the cache a language-only "
                    + "load wrote");
        }
    }

    @Test
    void theFileRecordsItsKeyAndAlignsEveryTensor() throws IOException {
        Path file = cacheFile(dir, Quantization.INT8);
        try (InternVLModel m = load(dir, Quantization.INT8, "auto")) {
            run(m);
        }
        SafetensorsFile.Header h = SafetensorsFile.read(file);
        String key = h.metadata().get("key");
        assertTrue(key.contains("quantization=int8") && key.contains("model.safetensors="), key);
        // every w.I has its s.I, each aligned to its element size
        for (var t : h.tensors().values()) {
            assertTrue(t.offset() % t.dtype().bytes() == 0, t.name() + " is not aligned");
            String pair = (t.name().startsWith("w.") ? "s." : "w.") + t.name().substring(2);
            assertTrue(h.tensors().containsKey(pair), t.name() + " has no " + pair);
        }
    }
}
