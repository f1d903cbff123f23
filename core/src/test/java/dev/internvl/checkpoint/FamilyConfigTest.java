package dev.internvl.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json per family: Hugging Face config-class defaults, rope_scaling validation, InternViT-6B defaults. */
class FamilyConfigTest {

    @TempDir
    Path dir;

    InternVLConfig read(String llm, String vision) throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"template\": \"internlm2-chat\", \"select_layer\": -1, \"force_image_size\": 448,"
                + " \"vision_config\": " + vision + ", \"llm_config\": " + llm + "}");
        return InternVLConfig.read(f);
    }

    InternVLConfig read(String llm) throws IOException {
        return read(llm, "{\"image_size\": 448}");
    }

    @Test
    void absentKeysTakeEachFamilysConfigClassDefaults() throws IOException {
        LlmConfig internlm2 = read("{\"architectures\": [\"InternLM2ForCausalLM\"], \"bias\": false}").llm();
        assertEquals(103168, internlm2.vocabSize());
        assertEquals(2048, internlm2.maxPositionEmbeddings());
        assertEquals(32, internlm2.numKvHeads());
        assertFalse(internlm2.qkvBias());
        LlmConfig phi3 = read("{\"architectures\": [\"Phi3ForCausalLM\"]}").llm();
        assertEquals(32064, phi3.vocabSize());
        assertEquals(3072, phi3.hiddenSize());
        assertEquals(96, phi3.headDim());
        assertEquals(1e-5, phi3.rmsNormEps());
        LlmConfig llama = read("{\"architectures\": [\"LlamaForCausalLM\"], \"num_attention_heads\": 64,"
                + " \"hidden_size\": 8192, \"num_key_value_heads\": 8, \"rope_theta\": 500000.0}").llm();
        assertEquals(128, llama.headDim());
        assertEquals(8, llama.numKvHeads());
        assertEquals(RopeScaling.NONE, llama.ropeScaling());
        LlmConfig qwen = read("{\"architectures\": [\"Qwen2ForCausalLM\"]}").llm();
        assertEquals(151936, qwen.vocabSize());
        assertEquals(32, qwen.numKvHeads());
        assertTrue(qwen.qkvBias());
        LlmConfig withHeadDim = read("{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 64,"
                + " \"num_attention_heads\": 4, \"head_dim\": 32}").llm();
        assertEquals(32, withHeadDim.headDim());
    }

    @Test
    void linearAndDynamicScalingStretchTheAcceptedContext() throws IOException {
        LlmConfig dynamic = read("{\"architectures\": [\"InternLM2ForCausalLM\"], \"bias\": false,"
                + " \"max_position_embeddings\": 32768, \"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0}}").llm();
        assertEquals(65536, dynamic.contextLength());
        LlmConfig linear = read("{\"architectures\": [\"LlamaForCausalLM\"], \"max_position_embeddings\": 4096,"
                + " \"rope_scaling\": {\"type\": \"linear\", \"factor\": 4.0}}").llm();
        assertEquals(16384, linear.contextLength());
        LlmConfig plain = read("{\"architectures\": [\"Qwen2ForCausalLM\"], \"max_position_embeddings\": 32768}").llm();
        assertEquals(32768, plain.contextLength());
    }

    @Test
    void ropeScalingIsParsedPerFamily() throws IOException {
        LlmConfig internlm2 = read("{\"architectures\": [\"InternLM2ForCausalLM\"], \"bias\": false,"
                + " \"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0}}").llm();
        assertEquals(RopeScaling.Type.DYNAMIC, internlm2.ropeScaling().type());
        assertEquals(2.0, internlm2.ropeScaling().factor());
        String factors = "[1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,"
                + "1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0]";
        LlmConfig phi3 = read("{\"architectures\": [\"Phi3ForCausalLM\"], \"max_position_embeddings\": 131072,"
                + " \"original_max_position_embeddings\": 4096, \"sliding_window\": 262144, \"rope_scaling\":"
                + " {\"type\": \"su\", \"short_factor\": " + factors + ", \"long_factor\": " + factors + "}}").llm();
        assertEquals(RopeScaling.Type.LONGROPE, phi3.ropeScaling().type());
        assertEquals(Math.sqrt(1 + Math.log(32) / Math.log(4096)), phi3.ropeScaling().attentionFactor(), 1e-12);
        LlmConfig llama3 = read("{\"architectures\": [\"LlamaForCausalLM\"], \"rope_scaling\": {\"rope_type\":"
                + " \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0,"
                + " \"original_max_position_embeddings\": 8192}}").llm();
        assertEquals(RopeScaling.Type.LLAMA3, llama3.ropeScaling().type());
    }

    @Test
    void unsupportedSettingsFailAtLoadWithTheKey() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> read(
                "{\"architectures\": [\"Phi3ForCausalLM\"], \"rope_scaling\": {\"type\": \"yarn\", \"factor\": 4}}"));
        assertTrue(e.getMessage().contains("rope_scaling") && e.getMessage().contains("yarn"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> read("{\"architectures\": [\"Phi3ForCausalLM\"],"
                + " \"rope_scaling\": {\"type\": \"su\", \"short_factor\": [1.0], \"long_factor\": [1.0]}}"));
        assertTrue(e.getMessage().contains("head_dim/2 = 48"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> read("{\"architectures\": [\"InternLM2ForCausalLM\"]}"));
        assertTrue(e.getMessage().contains("bias"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> read("{\"architectures\": [\"InternLM2ForCausalLM\"],"
                + " \"bias\": false, \"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 0.5}}"));
        assertTrue(e.getMessage().contains("factor"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> read("{\"architectures\": [\"Phi3ForCausalLM\"],"
                + " \"max_position_embeddings\": 4096, \"sliding_window\": 0}"));
        assertTrue(e.getMessage().contains("sliding_window"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> read("{\"architectures\": [\"InternLM3ForCausalLM\"]}"));
        assertTrue(e.getMessage().contains("InternLM3ForCausalLM") && e.getMessage().contains("not supported"));
    }

    @Test
    void aSlidingWindowShorterThanTheContextCapsTheContext() throws IOException {
        // Phi-3-mini-4k: a 2047-token window in a 4096 context; the engine attends fully, which equals the windowed
        // reference only up to the window.
        LlmConfig phi3 = read("{\"architectures\": [\"Phi3ForCausalLM\"], \"max_position_embeddings\": 4096,"
                + " \"sliding_window\": 2047}").llm();
        assertEquals(2047, phi3.slidingWindow());
        assertEquals(2047, phi3.contextLength());
        // Phi-3-mini-128k: the window (262144) is beyond the context and changes nothing.
        LlmConfig phi3Long = read("{\"architectures\": [\"Phi3ForCausalLM\"], \"max_position_embeddings\": 131072,"
                + " \"sliding_window\": 262144}").llm();
        assertEquals(131072, phi3Long.contextLength());
        // Qwen2 applies its window only with use_sliding_window (InternVL2-1B ships 32768 with it off).
        LlmConfig qwenOff = read("{\"architectures\": [\"Qwen2ForCausalLM\"], \"max_position_embeddings\": 32768,"
                + " \"sliding_window\": 4096, \"use_sliding_window\": false}").llm();
        assertEquals(0, qwenOff.slidingWindow());
        assertEquals(32768, qwenOff.contextLength());
        LlmConfig qwenOn = read("{\"architectures\": [\"Qwen2ForCausalLM\"], \"max_position_embeddings\": 32768,"
                + " \"sliding_window\": 4096, \"use_sliding_window\": true}").llm();
        assertEquals(4096, qwenOn.contextLength());
        // A dynamic-NTK stretch is capped by the window too.
        LlmConfig qwenStretched = read("{\"architectures\": [\"Qwen2ForCausalLM\"], \"max_position_embeddings\": 32768,"
                + " \"sliding_window\": 40000, \"use_sliding_window\": true,"
                + " \"rope_scaling\": {\"type\": \"dynamic\", \"factor\": 2.0}}").llm();
        assertEquals(40000, qwenStretched.contextLength());
    }

    @Test
    void internViT6BV15ConfigWithoutNormTypeIsRmsNormAnd45Layers() throws IOException {
        InternVLConfig c = read("{\"architectures\": [\"Qwen2ForCausalLM\"]}", "{\"hidden_size\": 3200,"
                + " \"num_attention_heads\": 25, \"intermediate_size\": 12800, \"num_hidden_layers\": 45,"
                + " \"image_size\": 448, \"qk_normalization\": true, \"qkv_bias\": false, \"use_flash_attn\": true,"
                + " \"drop_path_rate\": 0.0, \"layer_norm_eps\": 1e-6, \"architectures\": [\"InternVisionModel\"]}");
        assertTrue(c.vision().rmsNorm());
        assertTrue(c.vision().qkNormalization());
        assertFalse(c.vision().qkvBias());
        assertEquals(45, c.visionLayersToRun());
        assertEquals(256, c.numImageTokens());
        // InternViT-6B-448px-V2_5 names its norm explicitly
        InternVLConfig v25 = read("{\"architectures\": [\"Qwen2ForCausalLM\"]}", "{\"hidden_size\": 3200,"
                + " \"num_attention_heads\": 25, \"num_hidden_layers\": 45, \"image_size\": 448,"
                + " \"norm_type\": \"rms_norm\", \"qk_normalization\": true, \"qkv_bias\": false}");
        assertTrue(v25.vision().rmsNorm());
    }
}
