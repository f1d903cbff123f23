package dev.internvl.tools;

import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.model.functions.Generator;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import dev.internvl.checkpoint.SafetensorsWriter;
import dev.internvl.checkpoint.TensorDType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Jlama 0.8.4 on a Qwen2-0.5B-shaped decoder with random weights (the language half of InternVL2-1B, in Hugging
 * Face naming), timed the way the engine's {@code bench} command times its decoder: a prompt of the same length,
 * then greedy decoding. Prints one JSON object.
 *
 * <p>Arguments: {@code DIR TOKENIZER_JSON PROMPT_TOKENS NEW_TOKENS WORKING_DTYPE WEIGHT_DTYPE}, e.g.
 * {@code /tmp/qwen2-0.5b tokenizer.json 288 64 F32 F32}.
 */
public final class JlamaBench {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path tokenizer = Path.of(args[1]);
        int promptTokens = Integer.parseInt(args[2]);
        int newTokens = Integer.parseInt(args[3]);
        DType working = DType.valueOf(args[4]);
        DType weights = DType.valueOf(args[5]);
        if (!Files.exists(dir.resolve("model.safetensors"))) {
            writeQwen2(dir);
        }
        Files.copy(tokenizer, dir.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        long t0 = System.nanoTime();
        AbstractModel model = ModelSupport.loadModel(dir.toFile(), working, weights);
        double loadS = (System.nanoTime() - t0) / 1e9;
        // words are added until the prompt has the requested number of tokens
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (model.getTokenizer().encode(text.toString()).length < promptTokens) {
            text.append(" w").append(i++ % 97);
        }
        String prompt = text.toString();
        int length = model.getTokenizer().encode(prompt).length;
        // Jlama's token budget counts the prompt too
        model.generate(UUID.randomUUID(), PromptContext.of(prompt), 0.0f, length + 4, (s, f) -> { }); // warm-up
        Generator.Response r = model.generate(UUID.randomUUID(), PromptContext.of(prompt), 0.0f, length + newTokens,
                (s, f) -> { });
        double decodeMs = (double) r.generateTimeMs / Math.max(1, r.generatedTokens - 1);
        System.out.printf("{\"engine\":\"jlama-0.8.4\",\"working_dtype\":\"%s\",\"weight_dtype\":\"%s\","
                + "\"prompt_tokens\":%d,\"generated_tokens\":%d,\"load_s\":%.2f,\"prefill_ms\":%d,"
                + "\"decode_ms_per_token\":%.2f,\"decode_tokens_per_s\":%.2f}%n", working, weights, r.promptTokens,
                r.generatedTokens, loadS, r.promptTimeMs, decodeMs, 1000 / decodeMs);
        System.exit(0);
    }

    /** Qwen2-0.5B-Instruct dimensions with the InternVL2-1B vocabulary, tied head, bf16, random values. */
    static void writeQwen2(Path dir) throws Exception {
        Files.createDirectories(dir);
        int d = 896;
        int inter = 4864;
        int layers = 24;
        int kv = 2 * 64;
        int vocab = 151655;
        Files.writeString(dir.resolve("config.json"), "{\"architectures\":[\"Qwen2ForCausalLM\"],\"model_type\":\"qwen2\","
                + "\"hidden_size\":" + d + ",\"intermediate_size\":" + inter + ",\"num_hidden_layers\":" + layers
                + ",\"num_attention_heads\":14,\"num_key_value_heads\":2,\"vocab_size\":" + vocab
                + ",\"rope_theta\":1000000.0,\"rms_norm_eps\":1e-06,\"max_position_embeddings\":32768,"
                + "\"hidden_act\":\"silu\",\"tie_word_embeddings\":true,\"bos_token_id\":151643,"
                + "\"eos_token_id\":151645,\"torch_dtype\":\"bfloat16\"}");
        SafetensorsWriter w = new SafetensorsWriter(TensorDType.BF16);
        SplittableRandom root = new SplittableRandom(0);
        w.add("model.embed_tokens.weight", random(root, 0.5, 0), vocab, d);
        for (int i = 0; i < layers; i++) {
            String l = "model.layers." + i + ".";
            w.add(l + "input_layernorm.weight", random(root, 0.1, 1), d);
            w.add(l + "self_attn.q_proj.weight", random(root, 0.1, 0), d, d);
            w.add(l + "self_attn.q_proj.bias", random(root, 0.05, 0), d);
            w.add(l + "self_attn.k_proj.weight", random(root, 0.1, 0), kv, d);
            w.add(l + "self_attn.k_proj.bias", random(root, 0.05, 0), kv);
            w.add(l + "self_attn.v_proj.weight", random(root, 0.1, 0), kv, d);
            w.add(l + "self_attn.v_proj.bias", random(root, 0.05, 0), kv);
            w.add(l + "self_attn.o_proj.weight", random(root, 0.1, 0), d, d);
            w.add(l + "post_attention_layernorm.weight", random(root, 0.1, 1), d);
            w.add(l + "mlp.gate_proj.weight", random(root, 0.1, 0), inter, d);
            w.add(l + "mlp.up_proj.weight", random(root, 0.1, 0), inter, d);
            w.add(l + "mlp.down_proj.weight", random(root, 0.1, 0), d, inter);
        }
        w.add("model.norm.weight", random(root, 0.1, 1), d);
        w.write(dir.resolve("model.safetensors"));
    }

    static SafetensorsWriter.Values random(SplittableRandom root, double std, double mean) {
        long seed = root.nextLong();
        return (chunk, start) -> {
            SplittableRandom r = new SplittableRandom(seed ^ (start * 0x9E3779B97F4A7C15L));
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = (float) (mean + std * (2 * r.nextDouble() - 1) * 1.7320508);
            }
        };
    }
}
