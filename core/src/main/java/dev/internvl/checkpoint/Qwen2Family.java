package dev.internvl.checkpoint;

import java.util.List;

/**
 * Qwen2 (InternVL2-1B, InternVL2.5/3 small models): Llama's names and packing, with q/k/v biases always;
 * {@code Qwen2Config}'s defaults (32 KV heads when absent), linear and dynamic RoPE scaling through transformers' RoPE
 * utilities, and a sliding window only when {@code use_sliding_window} is true.
 */
final class Qwen2Family extends LlamaFamily {

    @Override
    public String architecture() {
        return LlmConfig.QWEN2;
    }

    @Override
    Defaults defaults() {
        return new Defaults(151936, 4096, 22016, 32, 32, 32768, 1e-6,
                List.of(RopeScaling.Type.DEFAULT, RopeScaling.Type.LINEAR, RopeScaling.Type.DYNAMIC));
    }

    @Override
    int defaultKvHeads(int heads) {
        return 32; // Qwen2Config's own default, not num_attention_heads
    }

    @Override
    boolean qkvBias(Json j) {
        return true;
    }

    @Override
    int slidingWindow(Json j) {
        return j.getBool("use_sliding_window", false) ? window(j) : 0;
    }
}
