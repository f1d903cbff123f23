package dev.internvl.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns the "slow" packaging of a Qwen2 tokenizer, {@code vocab.json} + {@code merges.txt} (InternVL2-1B, the
 * Qwen2.5-based InternVL2.5 and InternVL3 checkpoints, which ship no {@code tokenizer.json}), into the Hugging Face
 * {@code tokenizer.json} that transformers' Qwen2 converter makes of the same files, so that DJL's binding of the
 * Rust {@code tokenizers} runs it:
 *
 * <ul>
 *   <li>model: byte-level BPE over the vocabulary and the merges in file order, no unknown token;</li>
 *   <li>normalizer NFC; pre-tokenizer: Qwen2's split regex (matches isolated), then the byte-to-character mapping
 *       of GPT-2 (no prefix space, no second regex);</li>
 *   <li>decoder: byte-level; no special tokens added around the text (Qwen2 has no BOS).</li>
 * </ul>
 *
 * The added tokens ({@code <|endoftext|>}, {@code <|im_start|>}, the InternVL tokens) come from
 * {@code tokenizer_config.json} and {@code added_tokens.json}, merged by {@link TokenizerFiles}. The slow
 * {@code Qwen2Tokenizer} normalizes the whole text to NFC before it splits off the added tokens;
 * {@link InternVLTokenizer} does that on the Java side.
 */
final class Qwen2VocabConverter {

    static final String VOCAB_JSON = "vocab.json";
    static final String MERGES_TXT = "merges.txt";

    /** Qwen2's pre-tokenization pattern (transformers' {@code PRETOKENIZE_REGEX} for Qwen2). */
    static final String SPLIT_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private Qwen2VocabConverter() {
    }

    /**
     * The tokenizer.json of a {@code vocab.json} + {@code merges.txt} pair; errors name the file and the line.
     *
     * @throws IllegalArgumentException when a file is malformed: not a JSON object of token to id, a merges line
     *     that is not two tokens, a merge whose tokens or result the vocabulary lacks
     */
    static JsonObject convert(Path vocabFile, Path mergesFile) {
        Map<String, Integer> vocab = readVocab(vocabFile);
        JsonArray merges = readMerges(mergesFile, vocab);

        JsonObject vocabJson = new JsonObject();
        vocab.forEach(vocabJson::addProperty);
        JsonObject bpe = new JsonObject();
        bpe.addProperty("type", "BPE");
        bpe.add("dropout", JsonNull.INSTANCE);
        bpe.add("unk_token", JsonNull.INSTANCE);
        bpe.addProperty("continuing_subword_prefix", "");
        bpe.addProperty("end_of_word_suffix", "");
        bpe.addProperty("fuse_unk", false);
        bpe.addProperty("byte_fallback", false);
        bpe.addProperty("ignore_merges", false);
        bpe.add("vocab", vocabJson);
        bpe.add("merges", merges);

        JsonObject split = type("Split");
        JsonObject pattern = new JsonObject();
        pattern.addProperty("Regex", SPLIT_REGEX);
        split.add("pattern", pattern);
        split.addProperty("behavior", "Isolated");
        split.addProperty("invert", false);
        JsonArray pretokenizers = new JsonArray();
        pretokenizers.add(split);
        pretokenizers.add(byteLevel());
        JsonObject preTokenizer = type("Sequence");
        preTokenizer.add("pretokenizers", pretokenizers);

        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        root.add("added_tokens", new JsonArray());
        root.add("normalizer", type("NFC"));
        root.add("pre_tokenizer", preTokenizer);
        root.add("post_processor", byteLevel()); // offsets only: it adds no token
        root.add("decoder", byteLevel());
        root.add("model", bpe);
        return root;
    }

    private static Map<String, Integer> readVocab(Path file) {
        JsonElement root;
        try {
            root = JsonParser.parseString(readUtf8(file));
        } catch (JsonParseException e) {
            throw malformed(file, e.getMessage());
        }
        if (!root.isJsonObject()) {
            throw malformed(file, "not a JSON object of token to id");
        }
        Map<String, Integer> vocab = new HashMap<>();
        Map<Integer, String> byId = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
            JsonElement v = e.getValue();
            if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()
                    || !isNonNegativeInt(v.getAsJsonPrimitive())) {
                throw malformed(file, "token \"" + e.getKey() + "\" has id " + v + ", not a non-negative integer");
            }
            int id = v.getAsInt();
            String other = byId.putIfAbsent(id, e.getKey());
            if (other != null) {
                throw malformed(file, "id " + id + " is given to both \"" + other + "\" and \"" + e.getKey() + "\"");
            }
            vocab.put(e.getKey(), id);
        }
        if (vocab.isEmpty()) {
            throw malformed(file, "the vocabulary is empty");
        }
        return vocab;
    }

    private static boolean isNonNegativeInt(JsonPrimitive p) {
        double d = p.getAsDouble();
        return d >= 0 && d <= Integer.MAX_VALUE && d == Math.rint(d);
    }

    /**
     * The merges in file order as {@code [left, right]} pairs. As the slow tokenizer reads the file: each line is
     * stripped, empty lines and the {@code #version} header are skipped, the rest split on whitespace.
     */
    private static JsonArray readMerges(Path file, Map<String, Integer> vocab) {
        String[] lines = readUtf8(file).split("\n", -1);
        JsonArray merges = new JsonArray(lines.length);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#version")) {
                continue;
            }
            String[] parts = line.split("(?U)\\s+");
            if (parts.length != 2) {
                throw malformed(file, "line " + (i + 1) + " is not two tokens separated by a space: \"" + line + "\"");
            }
            for (String part : parts) {
                if (!vocab.containsKey(part)) {
                    throw malformed(file, "line " + (i + 1) + " merges \"" + part + "\", which "
                            + file.resolveSibling(VOCAB_JSON).getFileName() + " lacks");
                }
            }
            if (!vocab.containsKey(parts[0] + parts[1])) {
                throw malformed(file, "line " + (i + 1) + " makes \"" + parts[0] + parts[1] + "\", which "
                        + file.resolveSibling(VOCAB_JSON).getFileName() + " lacks");
            }
            JsonArray pair = new JsonArray(2);
            pair.add(parts[0]);
            pair.add(parts[1]);
            merges.add(pair);
        }
        if (merges.isEmpty()) {
            throw malformed(file, "no merges");
        }
        return merges;
    }

    private static String readUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw malformed(file, "not UTF-8 text");
        }
    }

    private static JsonObject byteLevel() {
        JsonObject o = type("ByteLevel");
        o.addProperty("add_prefix_space", false);
        o.addProperty("trim_offsets", false);
        o.addProperty("use_regex", false);
        return o;
    }

    private static JsonObject type(String name) {
        JsonObject o = new JsonObject();
        o.addProperty("type", name);
        return o;
    }

    private static IllegalArgumentException malformed(Path path, String why) {
        return new IllegalArgumentException("Malformed tokenizer file " + path + ": " + why);
    }
}
