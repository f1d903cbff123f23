package dev.internvl.testing;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.SafetensorsWriter;
import dev.internvl.checkpoint.TensorDType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes an InternVL-style checkpoint (InternViT-300M- or 6B-like vision, pixel-shuffle MLP projector, and a
 * Qwen2, InternLM2, Phi-3 or Llama decoder) with random weights and any dimensions, in the real OpenGVLab layout: {@code config.json} plus
 * {@code model.safetensors} or shards with {@code model.safetensors.index.json}. Tests use tiny dimensions;
 * the benchmark uses InternVL2-1B's. The weights are random, so the text a model built from them writes is
 * meaningless, but every code path a real checkpoint takes is exercised.
 */
public final class RandomCheckpoint {

    /**
     * Dimensions of the checkpoint.
     *
     * @param visionHidden ViT width C
     * @param visionHeads ViT heads
     * @param visionIntermediate ViT MLP width
     * @param visionLayers ViT layers
     * @param llmHidden decoder width D
     * @param llmIntermediate decoder MLP width
     * @param llmLayers decoder layers
     * @param llmHeads query heads
     * @param llmKvHeads key/value heads
     * @param vocabSize vocabulary (must cover the tokenizer used with it)
     * @param tiedHead write no lm_head (the head shares the embedding)
     * @param llmArchitecture decoder family ({@link LlmConfig#QWEN2}, {@link LlmConfig#INTERNLM2},
     *     {@link LlmConfig#PHI3}, {@link LlmConfig#LLAMA}), written under that family's names and packing
     * @param vision6b InternViT-6B style (RMSNorm from the absent norm_type, qk-normalization, no qkv bias) instead
     *     of InternViT-300M style (LayerNorm, qkv bias)
     */
    public record Dims(int visionHidden, int visionHeads, int visionIntermediate, int visionLayers, int llmHidden,
            int llmIntermediate, int llmLayers, int llmHeads, int llmKvHeads, int vocabSize, boolean tiedHead,
            String llmArchitecture, boolean vision6b) {

        /** Qwen2 with an InternViT-300M-style encoder. */
        public Dims(int visionHidden, int visionHeads, int visionIntermediate, int visionLayers, int llmHidden,
                int llmIntermediate, int llmLayers, int llmHeads, int llmKvHeads, int vocabSize, boolean tiedHead) {
            this(visionHidden, visionHeads, visionIntermediate, visionLayers, llmHidden, llmIntermediate, llmLayers,
                    llmHeads, llmKvHeads, vocabSize, tiedHead, LlmConfig.QWEN2, false);
        }

        /** The same dimensions with another decoder family and vision style. */
        public Dims withFamily(String architecture, boolean sixB, int vocab) {
            return new Dims(visionHidden, visionHeads, visionIntermediate, visionLayers, llmHidden, llmIntermediate,
                    llmLayers, llmHeads, llmKvHeads, vocab, tiedHead, architecture, sixB);
        }

        /** InternVL2-1B: InternViT-300M-448px + Qwen2-0.5B-Instruct (vocab with the InternVL tokens). */
        public static Dims internVL2_1B() {
            return new Dims(1024, 16, 4096, 24, 896, 4864, 24, 14, 2, 151655, true);
        }

        /** A model small enough for unit tests, with a vocabulary covering the Qwen2 tokenizer. */
        public static Dims tiny() {
            return new Dims(32, 2, 64, 2, 32, 64, 2, 4, 2, 151655, false);
        }
    }

    private RandomCheckpoint() {
    }

    /**
     * Writes the checkpoint into {@code dir}.
     *
     * @param dims   the dimensions
     * @param dtype  stored dtype (F32, F16 or BF16)
     * @param seed   random seed; equal seeds give identical files
     * @param shards 1 for a single {@code model.safetensors}, more for a sharded checkpoint with an index
     * @param template the conversation template named in config.json
     */
    public static void write(Path dir, Dims dims, TensorDType dtype, long seed, int shards, String template)
            throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), config(dims, dtype, template), StandardCharsets.UTF_8);
        List<SafetensorsWriter> writers = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            writers.add(new SafetensorsWriter(dtype));
        }
        JsonObject weightMap = new JsonObject();
        SplittableRandom root = new SplittableRandom(seed);
        int[] next = {0};
        Adder add = (name, std, mean, shape) -> {
            int shard = next[0]++ % shards;
            long tensorSeed = root.nextLong();
            writers.get(shard).add(name, (chunk, start) -> {
                SplittableRandom r = new SplittableRandom(tensorSeed ^ (start * 0x9E3779B97F4A7C15L));
                for (int i = 0; i < chunk.length; i++) {
                    chunk[i] = (float) (mean + std * (2 * r.nextDouble() - 1) * 1.7320508);
                }
            }, shape);
            weightMap.addProperty(name, shardName(shard, shards));
        };
        addVision(add, dims);
        addLanguage(add, dims);
        long total = 0;
        for (int i = 0; i < shards; i++) {
            writers.get(i).write(dir.resolve(shardName(i, shards)));
            total += writers.get(i).dataBytes();
        }
        if (shards > 1) {
            JsonObject index = new JsonObject();
            JsonObject meta = new JsonObject();
            meta.addProperty("total_size", total);
            index.add("metadata", meta);
            index.add("weight_map", weightMap);
            Files.writeString(dir.resolve("model.safetensors.index.json"), index.toString(), StandardCharsets.UTF_8);
        }
    }

    private static String shardName(int shard, int shards) {
        return shards == 1 ? "model.safetensors"
                : String.format("model-%05d-of-%05d.safetensors", shard + 1, shards);
    }

    @FunctionalInterface
    private interface Adder {
        void add(String name, double std, double mean, long... shape);
    }

    private static void addVision(Adder a, Dims d) {
        long c = d.visionHidden();
        long inter = d.visionIntermediate();
        String p = "vision_model.";
        a.add(p + "embeddings.patch_embedding.weight", 0.02, 0, c, 3, 14, 14);
        a.add(p + "embeddings.patch_embedding.bias", 0.02, 0, c);
        a.add(p + "embeddings.class_embedding", 0.02, 0, 1, 1, c);
        a.add(p + "embeddings.position_embedding", 0.02, 0, 1, 1025, c);
        for (int i = 0; i < d.visionLayers(); i++) {
            String l = p + "encoder.layers." + i + ".";
            a.add(l + "ls1", 0.05, 0.1, c);
            a.add(l + "ls2", 0.05, 0.1, c);
            a.add(l + "attn.qkv.weight", 0.05, 0, 3 * c, c);
            if (!d.vision6b()) {
                a.add(l + "attn.qkv.bias", 0.02, 0, 3 * c);
            } else {
                a.add(l + "attn.q_norm.weight", 0.1, 1, c);
                a.add(l + "attn.k_norm.weight", 0.1, 1, c);
            }
            a.add(l + "attn.proj.weight", 0.05, 0, c, c);
            a.add(l + "attn.proj.bias", 0.02, 0, c);
            a.add(l + "mlp.fc1.weight", 0.05, 0, inter, c);
            a.add(l + "mlp.fc1.bias", 0.02, 0, inter);
            a.add(l + "mlp.fc2.weight", 0.05, 0, c, inter);
            a.add(l + "mlp.fc2.bias", 0.02, 0, c);
            a.add(l + "norm1.weight", 0.1, 1, c);
            a.add(l + "norm2.weight", 0.1, 1, c);
            if (!d.vision6b()) {
                a.add(l + "norm1.bias", 0.02, 0, c);
                a.add(l + "norm2.bias", 0.02, 0, c);
            }
        }
        long in = 4 * c;
        long dm = d.llmHidden();
        a.add("mlp1.0.weight", 0.1, 1, in);
        a.add("mlp1.0.bias", 0.02, 0, in);
        a.add("mlp1.1.weight", 0.05, 0, dm, in);
        a.add("mlp1.1.bias", 0.02, 0, dm);
        a.add("mlp1.3.weight", 0.05, 0, dm, dm);
        a.add("mlp1.3.bias", 0.02, 0, dm);
    }

    private static void addLanguage(Adder a, Dims d) {
        long dm = d.llmHidden();
        long hd = dm / d.llmHeads();
        long q = d.llmHeads() * hd;
        long kv = d.llmKvHeads() * hd;
        long inter = d.llmIntermediate();
        String arch = d.llmArchitecture();
        boolean internLM2 = arch.equals(LlmConfig.INTERNLM2);
        String p = "language_model.model.";
        a.add(p + (internLM2 ? "tok_embeddings.weight" : "embed_tokens.weight"), 0.5, 0, d.vocabSize(), dm);
        for (int i = 0; i < d.llmLayers(); i++) {
            String l = p + "layers." + i + ".";
            if (internLM2) {
                a.add(l + "attention_norm.weight", 0.1, 1, dm);
                a.add(l + "attention.wqkv.weight", 0.1, 0, q + 2 * kv, dm); // per KV head [q_0..q_{g-1}, k, v]
                a.add(l + "attention.wo.weight", 0.1, 0, dm, q);
                a.add(l + "ffn_norm.weight", 0.1, 1, dm);
                a.add(l + "feed_forward.w1.weight", 0.1, 0, inter, dm);
                a.add(l + "feed_forward.w3.weight", 0.1, 0, inter, dm);
                a.add(l + "feed_forward.w2.weight", 0.1, 0, dm, inter);
                continue;
            }
            a.add(l + "input_layernorm.weight", 0.1, 1, dm);
            if (arch.equals(LlmConfig.PHI3)) {
                a.add(l + "self_attn.qkv_proj.weight", 0.1, 0, q + 2 * kv, dm);
            } else {
                a.add(l + "self_attn.q_proj.weight", 0.1, 0, q, dm);
                a.add(l + "self_attn.k_proj.weight", 0.1, 0, kv, dm);
                a.add(l + "self_attn.v_proj.weight", 0.1, 0, kv, dm);
                if (arch.equals(LlmConfig.QWEN2)) {
                    a.add(l + "self_attn.q_proj.bias", 0.05, 0, q);
                    a.add(l + "self_attn.k_proj.bias", 0.05, 0, kv);
                    a.add(l + "self_attn.v_proj.bias", 0.05, 0, kv);
                }
            }
            a.add(l + "self_attn.o_proj.weight", 0.1, 0, dm, q);
            a.add(l + "post_attention_layernorm.weight", 0.1, 1, dm);
            if (arch.equals(LlmConfig.PHI3)) {
                a.add(l + "mlp.gate_up_proj.weight", 0.1, 0, 2 * inter, dm);
            } else {
                a.add(l + "mlp.gate_proj.weight", 0.1, 0, inter, dm);
                a.add(l + "mlp.up_proj.weight", 0.1, 0, inter, dm);
            }
            a.add(l + "mlp.down_proj.weight", 0.1, 0, dm, inter);
        }
        a.add(p + "norm.weight", 0.1, 1, dm);
        if (!d.tiedHead()) {
            a.add(internLM2 ? "language_model.output.weight" : "language_model.lm_head.weight", 0.1, 0, d.vocabSize(), dm);
        }
    }

    /** The config.json of InternVL2-1B with the given dimensions. */
    public static String config(Dims d, TensorDType dtype, String template) {
        String torchDtype = switch (dtype) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        };
        JsonObject vision = new JsonObject();
        vision.add("architectures", array("InternVisionModel"));
        vision.addProperty("model_type", "intern_vit_6b");
        vision.addProperty("hidden_size", d.visionHidden());
        vision.addProperty("num_attention_heads", d.visionHeads());
        vision.addProperty("intermediate_size", d.visionIntermediate());
        vision.addProperty("num_hidden_layers", d.visionLayers());
        vision.addProperty("image_size", 448);
        vision.addProperty("patch_size", 14);
        if (d.vision6b()) {
            // as InternViT-6B-448px-V1-5's config: no norm_type key (RMSNorm is the default), qk-norm, no qkv bias
            vision.addProperty("qkv_bias", false);
            vision.addProperty("qk_normalization", true);
        } else {
            vision.addProperty("norm_type", "layer_norm");
            vision.addProperty("qkv_bias", true);
            vision.addProperty("qk_normalization", false);
        }
        vision.addProperty("layer_norm_eps", 1e-6);
        vision.addProperty("hidden_act", "gelu");
        JsonObject llm = new JsonObject();
        String arch = d.llmArchitecture();
        llm.add("architectures", array(arch));
        llm.addProperty("model_type", switch (arch) {
            case LlmConfig.INTERNLM2 -> "internlm2";
            case LlmConfig.PHI3 -> "phi3";
            case LlmConfig.LLAMA -> "llama";
            default -> "qwen2";
        });
        llm.addProperty("hidden_size", d.llmHidden());
        llm.addProperty("intermediate_size", d.llmIntermediate());
        llm.addProperty("num_hidden_layers", d.llmLayers());
        llm.addProperty("num_attention_heads", d.llmHeads());
        llm.addProperty("num_key_value_heads", d.llmKvHeads());
        llm.addProperty("vocab_size", d.vocabSize());
        llm.addProperty("hidden_act", "silu");
        llm.addProperty("tie_word_embeddings", d.tiedHead());
        llm.addProperty("torch_dtype", torchDtype);
        switch (arch) {
            case LlmConfig.INTERNLM2 -> { // internlm2-chat-1_8b / internlm2_5-7b-chat: dynamic NTK, no bias
                llm.addProperty("bias", false);
                llm.addProperty("rope_theta", 1000000.0);
                llm.addProperty("rms_norm_eps", 1e-5);
                llm.addProperty("max_position_embeddings", 32768);
                JsonObject rope = new JsonObject();
                rope.addProperty("type", "dynamic");
                rope.addProperty("factor", 2.0);
                llm.add("rope_scaling", rope);
                llm.addProperty("bos_token_id", 1);
                llm.addProperty("eos_token_id", 2);
            }
            case LlmConfig.PHI3 -> { // Phi-3-mini-128k: su scaling over a 4k original context
                llm.addProperty("rope_theta", 10000.0);
                llm.addProperty("rms_norm_eps", 1e-5);
                llm.addProperty("max_position_embeddings", 131072);
                llm.addProperty("original_max_position_embeddings", 4096);
                llm.addProperty("sliding_window", 262144);
                JsonObject rope = new JsonObject();
                rope.addProperty("type", "su");
                JsonArray shortF = new JsonArray();
                JsonArray longF = new JsonArray();
                for (int i = 0; i < d.llmHidden() / d.llmHeads() / 2; i++) {
                    shortF.add(1.0 + 0.05 * i);
                    longF.add(1.0 + 2.5 * i);
                }
                rope.add("short_factor", shortF);
                rope.add("long_factor", longF);
                llm.add("rope_scaling", rope);
                llm.addProperty("bos_token_id", 1);
                llm.addProperty("eos_token_id", 32000);
            }
            case LlmConfig.LLAMA -> { // Yi-34B-like
                llm.addProperty("rope_theta", 5000000.0);
                llm.addProperty("rms_norm_eps", 1e-5);
                llm.addProperty("max_position_embeddings", 4096);
                llm.addProperty("attention_bias", false);
                llm.addProperty("bos_token_id", 1);
                llm.addProperty("eos_token_id", 2);
            }
            default -> {
                llm.addProperty("rope_theta", 1000000.0);
                llm.addProperty("rms_norm_eps", 1e-6);
                llm.addProperty("max_position_embeddings", 32768);
                llm.addProperty("bos_token_id", 151643);
                llm.addProperty("eos_token_id", 151645);
            }
        }
        JsonObject root = new JsonObject();
        root.add("architectures", array("InternVLChatModel"));
        root.addProperty("model_type", "internvl_chat");
        root.addProperty("template", template);
        root.addProperty("downsample_ratio", 0.5);
        root.addProperty("ps_version", "v2");
        root.addProperty("select_layer", -1);
        root.addProperty("force_image_size", 448);
        root.addProperty("dynamic_image_size", true);
        root.addProperty("use_thumbnail", true);
        root.addProperty("min_dynamic_patch", 1);
        root.addProperty("max_dynamic_patch", 12);
        root.addProperty("torch_dtype", torchDtype);
        root.add("vision_config", vision);
        root.add("llm_config", llm);
        return new GsonBuilder().setPrettyPrinting().create().toJson(root);
    }

    private static JsonArray array(String s) {
        JsonArray a = new JsonArray();
        a.add(s);
        return a;
    }
}
