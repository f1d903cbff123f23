package dev.internvl.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.testing.RealCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The config.json files of published checkpoints (shared/realckpt, read in place) parse into what their model cards
 * and the reference code say: decoder family and sizes, template, RoPE scaling, tiling. Also the clear refusal of
 * transformers' converted ("-hf") layout.
 */
class RealConfigTest {

    @TempDir
    Path tmp;

    @Test
    void internVL2_1B() {
        InternVLConfig c = InternVLConfig.read(RealCheckpoints.require("InternVL2-1B").resolve("config.json"));
        assertEquals("Hermes-2", c.template().orElseThrow());
        LlmConfig llm = c.llm();
        assertEquals(LlmConfig.QWEN2, llm.architecture());
        assertEquals(List.of(896, 24, 14, 2, 64, 151655), List.of(llm.hiddenSize(), llm.numLayers(), llm.numHeads(),
                llm.numKvHeads(), llm.headDim(), llm.vocabSize()));
        assertTrue(llm.tieWordEmbeddings());
        // sliding_window 32768 is set but use_sliding_window is false: no window, the whole 32k context.
        assertEquals(0, llm.slidingWindow());
        assertEquals(32768, llm.contextLength());
        assertEquals(RopeScaling.NONE, llm.ropeScaling());
        assertTiling(c);
        assertEquals(1024, c.vision().hiddenSize());
    }

    @Test
    void internVL2_2B() {
        InternVLConfig c = InternVLConfig.read(RealCheckpoints.require("InternVL2-2B").resolve("config.json"));
        assertEquals("internlm2-chat", c.template().orElseThrow());
        LlmConfig llm = c.llm();
        assertEquals(LlmConfig.INTERNLM2, llm.architecture());
        assertEquals(List.of(2048, 24, 16, 8, 128, 92553), List.of(llm.hiddenSize(), llm.numLayers(), llm.numHeads(),
                llm.numKvHeads(), llm.headDim(), llm.vocabSize()));
        assertEquals(RopeScaling.Type.DYNAMIC, llm.ropeScaling().type());
        assertEquals(2.0, llm.ropeScaling().factor());
        assertEquals(65536, llm.contextLength());
        assertTiling(c);
    }

    @Test
    void internVL3_1BAsTransformersPrintsIt() {
        // transformers re-serialises the config: both "type" and "rope_type", and system_message null.
        InternVLConfig c = InternVLConfig.read(
                RealCheckpoints.require("InternVL3-1B").resolve("config.printed-by-transformers.json"));
        assertEquals("internvl2_5", c.template().orElseThrow());
        assertTrue(c.systemMessage().isEmpty());
        assertEquals(LlmConfig.QWEN2, c.llm().architecture());
        assertEquals(151674, c.llm().vocabSize());
        assertEquals(RopeScaling.Type.DYNAMIC, c.llm().ropeScaling().type());
        assertTiling(c);
    }

    private static void assertTiling(InternVLConfig c) {
        assertEquals(448, c.imageSize());
        assertEquals(256, c.numImageTokens());
        assertEquals("v2", c.psVersion());
        assertEquals(-1, c.selectLayer());
        assertEquals(24, c.visionLayersToRun());
        assertTrue(c.dynamicImageSize());
        assertTrue(c.useThumbnail());
        assertEquals(1, c.minDynamicPatch());
        assertEquals(12, c.maxDynamicPatch());
    }

    @Test
    void transformersConvertedLayoutIsRefusedWithAHint() throws IOException {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, "{\"architectures\": [\"InternVLForConditionalGeneration\"], \"model_type\": \"internvl\","
                + " \"text_config\": {\"architectures\": [\"Qwen2ForCausalLM\"]}, \"vision_config\": {}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> InternVLConfig.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("-hf"), e.getMessage());
        Files.writeString(f, "{\"architectures\": [\"LlavaForConditionalGeneration\"], \"model_type\": \"llava\"}");
        e = assertThrows(CheckpointException.class, () -> InternVLConfig.read(f));
        assertTrue(e.getMessage().contains("not an InternVL chat checkpoint") && e.getMessage().contains("llava"),
                e.getMessage());
    }
}
