package dev.internvl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.PlannedTensor;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.testing.RandomCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The names the loader asks for, listed without loading, against the checkpoints {@link RandomCheckpoint} writes
 * (its own naming, written independently), and the weight bytes computed from them against the bytes the loaded
 * decoder measures.
 */
class PlannedTensorsTest {

    @TempDir
    Path dir;

    Checkpoint write(String name, RandomCheckpoint.Dims dims) throws IOException {
        Path d = dir.resolve(name);
        RandomCheckpoint.write(d, dims, TensorDType.BF16, 3, 1, "Hermes-2");
        return Checkpoint.open(d);
    }

    static void edit(Path checkpoint, java.util.function.Consumer<JsonObject> change) throws IOException {
        Path config = checkpoint.resolve("config.json");
        JsonObject c = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
        change.accept(c);
        Files.writeString(config, c.toString());
    }

    static Set<String> names(List<PlannedTensor> planned) {
        return planned.stream().map(PlannedTensor::name).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyFamilyPlansExactlyTheTensorsItsCheckpointsHold() throws IOException {
        RandomCheckpoint.Dims tiny = RandomCheckpoint.Dims.tiny();
        String[] families = {LlmConfig.QWEN2, LlmConfig.INTERNLM2, LlmConfig.PHI3, LlmConfig.LLAMA};
        for (String arch : families) {
            for (boolean sixB : new boolean[] {false, true}) {
                Checkpoint ckpt = write(arch + sixB, tiny.withFamily(arch, sixB, tiny.vocabSize()));
                String head = InternVLModel.headTensorName(ckpt.config());
                List<PlannedTensor> planned = InternVLModel.plannedTensors(ckpt.config(), ckpt.has(head));
                assertEquals(new TreeSet<>(ckpt.names()), names(planned), arch + (sixB ? " 6B" : " 300M"));
                assertEquals(planned.size(), names(planned).size(), "each tensor once");
                for (PlannedTensor t : planned) {
                    assertArrayEquals(ckpt.tensor(t.name()).shape(), t.shape(), t.name());
                }
            }
        }
    }

    @Test
    void aTiedHeadIsNotAskedForAndSelectLayerCutsTheVisionLayers() throws IOException {
        RandomCheckpoint.Dims t = RandomCheckpoint.Dims.tiny();
        RandomCheckpoint.Dims tied = new RandomCheckpoint.Dims(t.visionHidden(), t.visionHeads(),
                t.visionIntermediate(), 3, t.llmHidden(), t.llmIntermediate(), t.llmLayers(), t.llmHeads(),
                t.llmKvHeads(), t.vocabSize(), true);
        Checkpoint ckpt = write("tied", tied);
        String head = InternVLModel.headTensorName(ckpt.config());
        assertEquals("language_model.lm_head.weight", head);
        assertFalse(ckpt.has(head));
        assertEquals(new TreeSet<>(ckpt.names()), names(InternVLModel.plannedTensors(ckpt.config(), false)));
        assertTrue(names(InternVLModel.plannedTensors(ckpt.config(), true)).contains(head));

        edit(ckpt.dir(), c -> c.addProperty("select_layer", -2));
        Set<String> cut = names(InternVLModel.plannedTensors(Checkpoint.open(ckpt.dir()).config(), false));
        assertTrue(cut.contains("vision_model.encoder.layers.1.attn.qkv.weight"));
        assertFalse(cut.contains("vision_model.encoder.layers.2.attn.qkv.weight"), "select_layer -2 skips the last");
    }

    @Test
    void aConfigWhoseHeadsDoNotDivideIsRefusedBeforePlanning() throws IOException {
        Checkpoint ckpt = write("bad", RandomCheckpoint.Dims.tiny());
        edit(ckpt.dir(), c -> c.getAsJsonObject("llm_config").addProperty("num_key_value_heads", 3));
        assertThrows(RuntimeException.class,
                () -> InternVLModel.plannedTensors(Checkpoint.open(ckpt.dir()).config(), true));
    }
}
