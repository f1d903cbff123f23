package dev.internvl.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.DecoderFamily;
import dev.internvl.checkpoint.FloatFormats;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.PlannedTensor;
import dev.internvl.checkpoint.RopeScaling;
import dev.internvl.checkpoint.TensorInfo;
import dev.internvl.checkpoint.WeightPlan;
import dev.internvl.text.InternVLTokenizer;
import dev.internvl.torch.KernelLayout.DecoderLayerWeight;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gguf}: the decoder (language model) of a Qwen2-based checkpoint as a llama.cpp GGUF file of its
 * {@code qwen2} architecture, with the same weights: norms and biases in float32, the matrices (the token embedding
 * included) in the chosen type, the head only when the checkpoint stores one (llama.cpp ties it to the embedding
 * otherwise, as the engine does). The vocabulary is the checkpoint's tokenizer, padded to the embedding's rows, or
 * placeholders when the checkpoint has none (the random checkpoints of {@code bench}). Made for running the same
 * model in llama.cpp as a peer benchmark (see tools/llama-bench). Qwen2's RoPE is llama.cpp's NEOX rotation, the
 * Hugging Face layout, so q and k are written as stored.
 */
@Command(name = "gguf", description = "Write the decoder of a Qwen2-based checkpoint as a llama.cpp GGUF file "
        + "(qwen2 architecture, same weights).")
final class GgufCommand implements Callable<Integer> {

    /** llama.cpp's token types. */
    static final int NORMAL = 1;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;

    /** The {@code --type} values: the matrices' ggml type and llama.cpp's file type id. */
    enum WeightType {
        F32("f32", GgufWriter.TensorType.F32, 0),
        F16("f16", GgufWriter.TensorType.F16, 1),
        BF16("bf16", GgufWriter.TensorType.BF16, 32),
        Q8_0("q8_0", GgufWriter.TensorType.Q8_0, 7),
        Q4_0("q4_0", GgufWriter.TensorType.Q4_0, 2);

        final String option;
        final GgufWriter.TensorType tensorType;
        final int fileType;

        WeightType(String option, GgufWriter.TensorType tensorType, int fileType) {
            this.option = option;
            this.tensorType = tensorType;
            this.fileType = fileType;
        }

        static WeightType parse(String s) {
            for (WeightType t : values()) {
                if (t.option.equals(s.toLowerCase(Locale.ROOT))) {
                    return t;
                }
            }
            throw new IllegalArgumentException("--type " + s + " is not a GGUF weight type this command writes: use "
                    + "bf16, f16, q8_0, q4_0 or f32");
        }
    }

    @Option(names = "--model", required = true, description = "Checkpoint folder, or Hugging Face model id "
            + "(org/name[@revision]) downloaded into the Hugging Face cache.")
    ModelLocation model;

    @Option(names = "--type", required = true, description = "Type of the matrices: bf16, f16, q8_0, q4_0 or f32 "
            + "(norms and biases are always f32).")
    String type;

    @Option(names = "--out", required = true, description = "The .gguf file to write.")
    Path out;

    @Override
    public Integer call() throws Exception {
        WeightType weights = WeightType.parse(type);
        Path dir = model.dir();
        Checkpoint ckpt = Checkpoint.open(dir, name -> name.startsWith("language_model."));
        long start = System.nanoTime();
        Summary s = write(ckpt, weights, out);
        System.err.printf(Locale.ROOT, "wrote %s: %d tensors, %.1f MB, %s matrices, vocabulary %s (%.1f s)%n", out,
                s.tensors(), Files.size(out) / 1e6, weights.option, s.vocabulary(), (System.nanoTime() - start) / 1e9);
        return 0;
    }

    /** What {@link #write} wrote. */
    record Summary(int tensors, String vocabulary) {
    }

    /** Writes the decoder of {@code ckpt} to {@code file}. */
    static Summary write(Checkpoint ckpt, WeightType weights, Path file) throws IOException {
        LlmConfig cfg = ckpt.config().llm();
        if (!cfg.architecture().equals(LlmConfig.QWEN2)) {
            throw new IllegalArgumentException("gguf writes llama.cpp's qwen2 architecture, and this checkpoint's "
                    + "decoder is " + cfg.architecture() + "; only " + LlmConfig.QWEN2 + " decoders are converted");
        }
        cfg.validate();
        if (cfg.ropeScaling().type() != RopeScaling.Type.DEFAULT) {
            throw new IllegalArgumentException("gguf does not write rope_scaling (" + cfg.ropeScaling().type()
                    + " in config.json); only unscaled RoPE is converted");
        }
        DecoderFamily family = cfg.family();
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "qwen2");
        w.putString("general.name", ckpt.dir().toAbsolutePath().normalize().getFileName().toString());
        w.putUint32("general.file_type", weights.fileType);
        w.putUint32("qwen2.context_length", cfg.contextLength());
        w.putUint32("qwen2.embedding_length", cfg.hiddenSize());
        w.putUint32("qwen2.block_count", cfg.numLayers());
        w.putUint32("qwen2.feed_forward_length", cfg.intermediateSize());
        w.putUint32("qwen2.attention.head_count", cfg.numHeads());
        w.putUint32("qwen2.attention.head_count_kv", cfg.numKvHeads());
        if ((long) cfg.headDim() * cfg.numHeads() != cfg.hiddenSize()) {
            w.putUint32("qwen2.attention.key_length", cfg.headDim());
            w.putUint32("qwen2.attention.value_length", cfg.headDim());
        }
        w.putFloat32("qwen2.rope.freq_base", (float) cfg.ropeTheta());
        w.putFloat32("qwen2.attention.layer_norm_rms_epsilon", (float) cfg.rmsNormEps());
        String vocabulary = vocabulary(ckpt, cfg, w);

        long v = cfg.vocabSize();
        long d = cfg.hiddenSize();
        GgufWriter.TensorType matrix = weights.tensorType;
        GgufWriter.TensorType f32 = GgufWriter.TensorType.F32;
        try (TensorReader reader = new TensorReader()) {
            w.addTensor("token_embd.weight", matrix, new long[] {v, d},
                    reader.values(ckpt.tensor(family.embedding(), v, d)));
            w.addTensor("output_norm.weight", f32, new long[] {d}, reader.values(ckpt.tensor(family.finalNorm(), d)));
            if (ckpt.has(family.head())) {
                w.addTensor("output.weight", matrix, new long[] {v, d},
                        reader.values(ckpt.tensor(family.head(), v, d)));
            }
            for (int i = 0; i < cfg.numLayers(); i++) {
                List<WeightPlan.Slot> slots = family.layer(cfg, i).slots();
                String blk = "blk." + i + ".";
                for (DecoderLayerWeight slot : DecoderLayerWeight.values()) {
                    List<PlannedTensor> parts = parts(slots.get(slot.ordinal()), slot);
                    List<String> names = switch (slot) {
                        case INPUT_NORM -> List.of("attn_norm.weight");
                        case QKV_WEIGHT -> List.of("attn_q.weight", "attn_k.weight", "attn_v.weight");
                        case QKV_BIAS -> List.of("attn_q.bias", "attn_k.bias", "attn_v.bias");
                        case O_WEIGHT -> List.of("attn_output.weight");
                        case POST_NORM -> List.of("ffn_norm.weight");
                        case GATE_UP_WEIGHT -> List.of("ffn_gate.weight", "ffn_up.weight");
                        case DOWN_WEIGHT -> List.of("ffn_down.weight");
                    };
                    if (parts.size() != names.size()) {
                        throw new IllegalStateException(slot + " of layer " + i + " has " + parts.size()
                                + " tensors, expected " + names.size());
                    }
                    for (int k = 0; k < parts.size(); k++) {
                        PlannedTensor p = parts.get(k);
                        TensorInfo t = ckpt.tensor(p.name(), p.shape());
                        w.addTensor(blk + names.get(k), p.isMatrix() ? matrix : f32, p.shape(), reader.values(t));
                    }
                }
            }
            w.write(file);
        }
        return new Summary(w.tensorCount(), vocabulary);
    }

    /** The checkpoint tensors of one layer slot: q, k, v (or gate, up) as stored, before the engine fuses them. */
    private static List<PlannedTensor> parts(WeightPlan.Slot slot, DecoderLayerWeight which) {
        if (slot instanceof WeightPlan.Single one) {
            return List.of(one.tensor());
        }
        if (slot instanceof WeightPlan.Concatenated cat) {
            return cat.parts();
        }
        throw new IllegalArgumentException("the checkpoint's " + which + " is " + slot.getClass().getSimpleName()
                + ", which gguf does not write");
    }

    /**
     * Writes the {@code tokenizer.ggml.*} keys: llama.cpp's byte-level BPE ({@code gpt2}, Qwen2's pre-tokenizer) with
     * exactly one token per embedding row. Returns a description for the summary line.
     */
    static String vocabulary(Checkpoint ckpt, LlmConfig cfg, GgufWriter w) {
        int rows = cfg.vocabSize();
        String[] tokens = new String[rows];
        int[] types = new int[rows];
        List<String> merges = new ArrayList<>();
        String description;
        var json = InternVLTokenizer.tokenizerJson(ckpt.dir());
        Map<String, Integer> ids = new HashMap<>();
        if (json.isPresent()) {
            JsonObject t = JsonParser.parseString(json.get()).getAsJsonObject();
            JsonObject m = t.getAsJsonObject("model");
            if (m == null || !"BPE".equals(m.get("type").getAsString())) {
                throw new IllegalArgumentException("gguf writes a byte-level BPE vocabulary; the tokenizer of "
                        + ckpt.dir() + " is " + (m == null ? "without a model" : m.get("type").getAsString()));
            }
            for (Map.Entry<String, JsonElement> e : m.getAsJsonObject("vocab").entrySet()) {
                put(tokens, types, ids, e.getValue().getAsInt(), e.getKey(), NORMAL);
            }
            for (JsonElement e : t.getAsJsonArray("added_tokens")) {
                JsonObject a = e.getAsJsonObject();
                boolean special = a.has("special") && a.get("special").getAsBoolean();
                put(tokens, types, ids, a.get("id").getAsInt(), a.get("content").getAsString(),
                        special ? CONTROL : USER_DEFINED);
            }
            for (JsonElement e : m.getAsJsonArray("merges")) {
                if (e.isJsonArray()) {
                    merges.add(e.getAsJsonArray().get(0).getAsString() + " " + e.getAsJsonArray().get(1).getAsString());
                } else {
                    merges.add(e.getAsString());
                }
            }
            description = "from the checkpoint's tokenizer";
        } else {
            // no tokenizer (a random checkpoint): the 256 byte-level symbols, so that any text still tokenizes
            for (int b = 0; b < 256 && b < rows; b++) {
                put(tokens, types, ids, b, String.valueOf(byteSymbol(b)), NORMAL);
            }
            description = "placeholders (the checkpoint has no tokenizer)";
        }
        List<Integer> eosIds = ckpt.generationEosIds().isEmpty() ? cfg.eosTokenIds() : ckpt.generationEosIds();
        int eos = eosIds.isEmpty() ? ids.getOrDefault("<|im_end|>", rows - 1) : eosIds.get(0);
        if (eos < 0 || eos >= rows) {
            throw new IllegalArgumentException("eos token id " + eos + " is outside the " + rows + "-row embedding");
        }
        if (tokens[eos] == null && !ids.containsKey("<|im_end|>")) {
            // Qwen2's end of turn, a name llama.cpp knows as an end of generation
            put(tokens, types, ids, eos, "<|im_end|>", CONTROL);
        }
        int filled = 0;
        for (int i = 0; i < rows; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = UNUSED;
                if (ids.putIfAbsent(tokens[i], i) != null) {
                    throw new IllegalArgumentException("the tokenizer has a token " + tokens[i]
                            + ", which gguf needs for padding the vocabulary");
                }
            } else {
                filled++;
            }
        }
        int bos = ids.getOrDefault("<|endoftext|>", eos);
        if (types[eos] == UNUSED) {
            types[eos] = CONTROL;
        }
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", "qwen2");
        w.putStrings("tokenizer.ggml.tokens", Arrays.asList(tokens));
        w.putInt32s("tokenizer.ggml.token_type", types);
        w.putStrings("tokenizer.ggml.merges", merges);
        w.putUint32("tokenizer.ggml.eos_token_id", eos);
        w.putUint32("tokenizer.ggml.bos_token_id", bos);
        w.putUint32("tokenizer.ggml.padding_token_id", bos);
        w.putBool("tokenizer.ggml.add_bos_token", false);
        return description + ", " + filled + " of " + rows + " tokens";
    }

    private static void put(String[] tokens, int[] types, Map<String, Integer> ids, int id, String token, int type) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException("the tokenizer has token id " + id + " (" + token + "), but the "
                    + "embedding has only " + tokens.length + " rows");
        }
        tokens[id] = token;
        types[id] = type;
        ids.put(token, id);
    }

    /** The character that byte-level BPE (GPT-2, Qwen2) writes for byte {@code b}. */
    static char byteSymbol(int b) {
        boolean printable = b >= '!' && b <= '~' || b >= 0xa1 && b <= 0xac || b >= 0xae && b <= 0xff;
        if (printable) {
            return (char) b;
        }
        int n = 0; // the bytes that are not printable are numbered from 256 in byte order
        for (int i = 0; i < b; i++) {
            boolean p = i >= '!' && i <= '~' || i >= 0xa1 && i <= 0xac || i >= 0xae && i <= 0xff;
            n += p ? 0 : 1;
        }
        return (char) (256 + n);
    }

    /** Reads checkpoint tensors (bf16, f16 or f32 in a safetensors file) as floats, a block of rows at a time. */
    static final class TensorReader implements AutoCloseable {

        private final Map<Path, FileChannel> open = new HashMap<>();

        GgufWriter.Values values(TensorInfo t) {
            int width = switch (t.dtype()) {
                case BF16, F16 -> 2;
                case F32 -> 4;
                default -> throw new IllegalArgumentException(t.file() + ": tensor " + t.name() + " is "
                        + t.dtype() + "; gguf reads bf16, f16 and f32 weights");
            };
            long[] shape = t.shape();
            long row = shape.length == 0 ? 1 : shape[shape.length - 1];
            return (first, rows, dst) -> {
                FileChannel ch = open.computeIfAbsent(t.file(), f -> {
                    try {
                        return FileChannel.open(f, StandardOpenOption.READ);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                int n = Math.toIntExact(rows * row);
                ByteBuffer b = ByteBuffer.allocate(n * width).order(ByteOrder.LITTLE_ENDIAN);
                long at = t.offset() + first * row * width;
                while (b.hasRemaining()) {
                    if (ch.read(b, at + b.position()) < 0) {
                        throw new IOException(t.file() + ": ends inside tensor " + t.name());
                    }
                }
                b.flip();
                switch (t.dtype()) {
                    case BF16 -> {
                        for (int i = 0; i < n; i++) {
                            dst[i] = FloatFormats.fromBf16(b.getShort());
                        }
                    }
                    case F16 -> {
                        for (int i = 0; i < n; i++) {
                            dst[i] = FloatFormats.fromF16(b.getShort());
                        }
                    }
                    default -> b.asFloatBuffer().get(dst, 0, n);
                }
            };
        }

        @Override
        public void close() throws IOException {
            for (FileChannel ch : open.values()) {
                ch.close();
            }
        }
    }
}
