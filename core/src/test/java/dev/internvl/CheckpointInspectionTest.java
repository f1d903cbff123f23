package dev.internvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.checkpoint.CheckpointException;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.SafetensorsFile;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.checkpoint.TensorInfo;
import dev.internvl.testing.RandomCheckpoint;
import dev.internvl.testing.TinyModel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CheckpointInspection} on tiny random checkpoints, broken in the ways real downloads break. */
class CheckpointInspectionTest {

    @TempDir
    Path tmp;

    /** The shared fixture: bf16 weights in two shards with an index, the InternVL2-1B tokenizer. */
    Path tiny() {
        return TinyModel.write(tmp.resolve("tiny"));
    }

    static boolean anyContains(List<String> lines, String part) {
        return lines.stream().anyMatch(l -> l.contains(part));
    }

    static void assertProblem(CheckpointInspection i, String part) {
        assertFalse(i.willLoad());
        assertTrue(anyContains(i.problems(), part), "no problem mentions '" + part + "': " + i.problems());
    }

    static void editConfig(Path dir, Consumer<JsonObject> change) throws IOException {
        Path config = dir.resolve("config.json");
        JsonObject c = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
        change.accept(c);
        Files.writeString(config, c.toString());
    }

    /** Rewrites the header of {@code file} with tensor {@code from} renamed to {@code to} (the data stays). */
    static void renameTensor(Path file, String from, String to) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long len = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonObject header = JsonParser.parseString(new String(all, 8, (int) len, StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertTrue(header.has(from), file + " has no " + from);
        header.add(to, header.remove(from));
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + all.length - 8 - (int) len).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(all, 8 + (int) len, all.length - 8 - (int) len);
        Files.write(file, out.array());
        // and in the shard index, so that the checkpoint stays consistent: only the name changes
        Path index = file.resolveSibling("model.safetensors.index.json");
        if (Files.exists(index)) {
            JsonObject o = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
            JsonObject map = o.getAsJsonObject("weight_map");
            map.add(to, map.remove(from));
            Files.writeString(index, o.toString());
        }
    }

    /** The file of the shard holding {@code tensor}. */
    static Path holding(Path dir, String tensor) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
                if (SafetensorsFile.readHeader(p).containsKey(tensor)) {
                    return p;
                }
            }
        }
        throw new AssertionError(tensor + " is in no shard");
    }

    static long elementsInFiles(Path dir) throws IOException {
        long n = 0;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.toString().endsWith(".safetensors")).toList()) {
                for (TensorInfo t : SafetensorsFile.readHeader(p).values()) {
                    n += t.numel();
                }
            }
        }
        return n;
    }

    @Test
    void aCompleteCheckpointWillLoadAndItsCountsMatchItsFiles() throws IOException {
        Path dir = tiny();
        CheckpointInspection i = CheckpointInspection.inspect(dir);
        assertTrue(i.willLoad(), i.problems().toString());
        assertEquals(List.of(), i.warnings());
        assertEquals(2, i.weights().files().size());
        assertEquals(List.of(), i.weights().missingTensors());
        assertEquals(List.of(), i.weights().unusedTensors());
        int tensors = i.weights().files().stream().mapToInt(CheckpointInspection.WeightFile::tensors).sum();
        assertEquals(tensors, i.weights().files().stream().mapToInt(f -> f.dtypes().get("BF16")).sum());
        // config arithmetic against the elements the safetensors headers declare
        assertEquals(elementsInFiles(dir), i.parameters().total());
        assertEquals(elementsInFiles(dir), i.weights().parametersInFiles());
        assertFalse(i.parameters().headTied());
        assertFalse(i.parameters().headAssumed());
        assertEquals(i.parameters().embedding(), i.parameters().head());
        // the tokenizer of the fixture is InternVL2-1B's
        assertEquals(151648L, i.tokenizer().specialTokens().get("<IMG_CONTEXT>"));
        assertEquals(151646L, i.tokenizer().specialTokens().get("<img>"));
        assertEquals(151654L, i.tokenizer().specialTokens().get("</box>"));
        assertEquals("<|im_end|>", i.tokenizer().stopTokens().get(0).text());
        assertEquals(151645L, i.tokenizer().stopTokens().get(0).id());
        assertEquals(151643L, i.tokenizer().pad().id());
        assertFalse(i.tokenizer().addsBos());
        assertNull(i.tokenizer().bos());
        assertEquals("Hermes-2", i.prompt().template());
        assertEquals("the template's default", i.prompt().systemMessageSource());
        // KV cache: K and V, per layer, per KV head, head_dim wide, 2 bytes each
        LlmConfig llm = i.config().llm();
        assertEquals(2L * llm.numLayers() * llm.numKvHeads() * llm.headDim() * 2, i.memory().kvBytesPerToken());
        assertTrue(i.render().contains("verdict     will load"), i.render());
        assertEquals(Boolean.TRUE, i.toMap().get("willLoad"));
    }

    @Test
    void aFolderWithoutWeightsStillReportsEverythingElse() throws IOException {
        Path dir = tiny();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().startsWith("model")).toList()) {
                Files.delete(p);
            }
        }
        CheckpointInspection i = CheckpointInspection.inspect(dir);
        assertProblem(i, "no weights yet");
        assertEquals(1, i.problems().size(), i.problems().toString());
        assertNotNull(i.weights().noWeights());
        assertNull(i.weights().parametersInFiles());
        assertTrue(i.parameters().headAssumed(), "without weights the head is assumed stored");
        assertEquals(elementsOf(tmp.resolve("again")), i.parameters().total());
        assertEquals(151648L, i.tokenizer().specialTokens().get("<IMG_CONTEXT>"));
        assertTrue(i.render().contains("no weights yet: "), i.render());
    }

    /** Elements of a freshly written copy of the fixture (config arithmetic without weights must equal them). */
    long elementsOf(Path dir) throws IOException {
        return elementsInFiles(TinyModel.write(dir));
    }

    @Test
    void aMissingShardIsNamed() throws IOException {
        Path dir = tiny();
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        CheckpointInspection i = CheckpointInspection.inspect(dir);
        assertProblem(i, "lists shard model-00002-of-00002.safetensors, which is missing");
        assertEquals(List.of("model-00002-of-00002.safetensors"), i.weights().missingShards());
        assertEquals(List.of("model-00001-of-00002.safetensors"),
                i.weights().files().stream().map(CheckpointInspection.WeightFile::name).toList());
    }

    @Test
    void pytorchBinWeightsAloneAreRefusedWithTheirName() throws IOException {
        Path dir = tiny();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(f -> f.getFileName().toString().startsWith("model")).toList()) {
                Files.delete(p);
            }
        }
        Files.write(dir.resolve("pytorch_model.bin"), new byte[16]);
        CheckpointInspection i = CheckpointInspection.inspect(dir);
        assertProblem(i, "only PyTorch .bin weights found");
        assertNull(i.weights().noWeights(), "there are weights, of the wrong kind");
        assertEquals(List.of("pytorch_model.bin"), i.weights().unexpectedFiles());
    }

    @Test
    void aMissingTensorAndAnUnusedOneAreListed() throws IOException {
        Path dir = tiny();
        String norm = "language_model.model.norm.weight";
        renameTensor(holding(dir, norm), norm, "language_model.model.final_norm.weight");
        CheckpointInspection i = CheckpointInspection.inspect(dir);
        assertProblem(i, "1 tensor the engine needs is missing from the weight files, first " + norm);
        assertEquals(List.of(norm), i.weights().missingTensors());
        assertEquals(List.of("language_model.model.final_norm.weight"), i.weights().unusedTensors());
        assertTrue(anyContains(i.warnings(), "not used"), i.warnings().toString());
    }

    @Test
    void shapesThatContradictConfigJsonAreProblems() throws IOException {
        Path dir = tiny();
        editConfig(dir, c -> c.getAsJsonObject("llm_config").addProperty("intermediate_size", 128));
        CheckpointInspection i = CheckpointInspection.inspect(dir);
        assertProblem(i, "tensor language_model.model.layers.0.mlp.down_proj.weight has shape [32, 64], expected "
                + "[32, 128] from config.json");
        assertEquals(List.of(), i.weights().missingTensors());
    }

    @Test
    void strayWeightFilesAreWarnedAboutButDoNotStopLoading() throws IOException {
        Path dir = tiny();
        Files.copy(dir.resolve("model-00002-of-00002.safetensors"), dir.resolve("old.safetensors"));
        Files.write(dir.resolve("model.pt"), new byte[4]);
        CheckpointInspection i = CheckpointInspection.inspect(dir);
        assertTrue(i.willLoad(), i.problems().toString());
        assertEquals(List.of("model.pt", "old.safetensors"), i.weights().unexpectedFiles());
        assertTrue(anyContains(i.warnings(), "old.safetensors: a weight file the loader does not read"));
    }

    @Test
    void aTokenizerThatFailsIsReportedAndTheRestStillComputed() throws IOException {
        Path dir = tiny();
        Files.delete(dir.resolve("tokenizer.json"));
        CheckpointInspection i = CheckpointInspection.inspect(dir);
        assertProblem(i, "the tokenizer will not load: ");
        assertNotNull(i.tokenizer().error());
        assertEquals(List.of("tokenizer_config.json"), i.tokenizer().files());
        assertTrue(i.weights().missingTensors().isEmpty());
        assertTrue(i.parameters().total() > 0);
        assertTrue(i.render().contains("tokenizer   will not load: "), i.render());
    }

    @Test
    void theSystemMessageFollowsTheEnginesPrecedence() throws IOException {
        Path dir = tiny();
        editConfig(dir, c -> c.addProperty("system_message", "From the config."));
        CheckpointInspection fromConfig = CheckpointInspection.inspect(dir);
        assertEquals("From the config.", fromConfig.prompt().systemMessage());
        assertEquals("config.json system_message", fromConfig.prompt().systemMessageSource());
        CheckpointInspection explicit = CheckpointInspection.inspect(dir, "internvl2_5", "Be brief.");
        assertEquals("Be brief.", explicit.prompt().systemMessage());
        assertEquals("set explicitly", explicit.prompt().systemMessageSource());
        assertEquals("internvl2_5", explicit.prompt().template());
        CheckpointInspection unknown = CheckpointInspection.inspect(dir, "no-such-template", null);
        assertProblem(unknown, "no-such-template");
        assertNull(unknown.prompt());
    }

    @Test
    void aTiedHeadIsCountedOnceAndAnInternViT6BIsRecognized() throws IOException {
        RandomCheckpoint.Dims t = RandomCheckpoint.Dims.tiny();
        RandomCheckpoint.Dims tied = new RandomCheckpoint.Dims(t.visionHidden(), t.visionHeads(),
                t.visionIntermediate(), t.visionLayers(), t.llmHidden(), t.llmIntermediate(), t.llmLayers(),
                t.llmHeads(), t.llmKvHeads(), t.vocabSize(), true, LlmConfig.INTERNLM2, true);
        Path dir = tmp.resolve("tied");
        RandomCheckpoint.write(dir, tied, TensorDType.BF16, 4, 1, "internlm2-chat");
        CheckpointInspection i = CheckpointInspection.inspect(dir);
        assertTrue(i.parameters().headTied());
        assertEquals(0, i.parameters().head());
        assertEquals(elementsInFiles(dir), i.parameters().total());
        assertEquals("InternViT-6B-like", i.visionVariant());
        assertFalse(i.weights().headStored());
        // bf16: two bytes per parameter, the tied head shares the embedding
        assertEquals(2 * i.parameters().total(), i.memory().weightBytes().get("none"));
    }

    @Test
    void aFolderWithoutConfigIsOneClearError() {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CheckpointInspection.inspect(tmp.resolve("nothing")));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }
}
