package dev.internvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.testing.RealCheckpoints;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Inspection of the real config and tokenizer files of published checkpoints ({@code shared/realckpt} next to the
 * repository, skipped where absent): the parameter counts from config.json must give the published totals, with no
 * weights present.
 */
class RealCheckpointInspectionTest {

    static CheckpointInspection inspect(String name) {
        return CheckpointInspection.inspect(RealCheckpoints.require(name));
    }

    static void assertWithinOnePercent(double published, long computed, String what) {
        assertTrue(Math.abs(computed - published) <= 0.01 * published,
                what + ": computed " + computed + ", published " + published);
    }

    @Test
    void internVL2_1B() {
        CheckpointInspection i = inspect("InternVL2-1B");
        // model card: 0.94B parameters (InternViT-300M + Qwen2-0.5B); model.safetensors is about 1.9 GB in bf16
        assertWithinOnePercent(0.94e9, i.parameters().total(), "InternVL2-1B parameters");
        assertTrue(i.parameters().headAssumed());
        assertEquals(2 * i.parameters().total(), i.memory().weightBytes().get("none"));
        assertEquals(LlmConfig.QWEN2, i.config().llm().architecture());
        assertEquals("InternViT-300M-like", i.visionVariant());
        assertEquals("Hermes-2", i.prompt().template());
        assertNotNull(i.weights().noWeights());
        assertFalse(i.willLoad(), "no weights here");
        // Qwen2-0.5B: 24 layers, 2 KV heads of 64 -> 2 * 24 * 2 * 64 * 2 bytes per token
        assertEquals(12288, i.memory().kvBytesPerToken());
    }

    @Test
    void internVL2_2B() {
        CheckpointInspection i = inspect("InternVL2-2B");
        // model card: 2.2B parameters (InternViT-300M + internlm2-chat-1_8b); about 4.4 GB in bf16
        assertWithinOnePercent(2.2e9, i.parameters().total(), "InternVL2-2B parameters");
        assertFalse(i.parameters().headTied(), "tie_word_embeddings is false");
        assertEquals(LlmConfig.INTERNLM2, i.config().llm().architecture());
        assertEquals("internlm2-chat", i.prompt().template());
        assertNotNull(i.weights().noWeights());
    }
}
