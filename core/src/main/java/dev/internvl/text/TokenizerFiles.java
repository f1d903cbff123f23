package dev.internvl.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The tokenizer files of a checkpoint folder, read and merged: {@code tokenizer.json} (or, when a checkpoint ships
 * only a SentencePiece {@code tokenizer.model}, its conversion by {@link SentencePieceConverter}), and when present
 * {@code tokenizer_config.json} and {@code added_tokens.json}. Added tokens that the two optional files declare and
 * {@code tokenizer.json} lacks are appended to its {@code added_tokens} list, so that the Hugging Face tokenizer
 * built from {@link #mergedJson()} matches them as single tokens.
 */
final class TokenizerFiles {

    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_CONFIG_JSON = "tokenizer_config.json";
    static final String ADDED_TOKENS_JSON = "added_tokens.json";

    /** One entry of the {@code added_tokens} list: content, id and whether decoding may skip it. */
    record AddedToken(String content, int id, boolean special) {
    }

    private final Path tokenizerJsonPath;
    private final JsonObject tokenizer;
    private final Path configPath;
    private final JsonObject config;
    private final Map<String, Integer> vocab;
    private final List<AddedToken> addedTokens;
    private final Set<Integer> vocabIds;
    /** The flags (lstrip, rstrip, ...) that tokenizer_config.json gives the tokens it declares. */
    private final Map<String, JsonObject> declaredFlags = new HashMap<>();
    /** Whether the tokenizer was converted from a SentencePiece model (then tokenizer_config.json's flags rule). */
    private boolean converted;
    /** Non-legacy SentencePiece conversion: the text itself gets the ▁ prefix (see {@link #prefixesText()}). */
    private boolean prefixesText;

    private TokenizerFiles(Path tokenizerJsonPath, JsonObject tokenizer, Path configPath, JsonObject config,
                           Map<String, Integer> vocab, List<AddedToken> addedTokens) {
        this.tokenizerJsonPath = tokenizerJsonPath;
        this.tokenizer = tokenizer;
        this.configPath = configPath;
        this.config = config;
        this.vocab = vocab;
        this.addedTokens = addedTokens;
        this.vocabIds = new HashSet<>(vocab.values());
    }

    /** Reads the tokenizer files of {@code dir}; errors name the file that is missing or malformed. */
    static TokenizerFiles read(Path dir) {
        Path tokenizerPath = dir.resolve(TOKENIZER_JSON);
        Path configPath = dir.resolve(TOKENIZER_CONFIG_JSON);
        JsonObject config = Files.isRegularFile(configPath) ? readObject(configPath) : new JsonObject();
        JsonObject tokenizer;
        if (Files.isRegularFile(tokenizerPath)) {
            tokenizer = readObject(tokenizerPath);
        } else if (Files.isRegularFile(dir.resolve(SentencePieceConverter.TOKENIZER_MODEL))) {
            // SentencePiece-only checkpoints (InternVL2-2B, InternLM2, Phi-3): converted as transformers does.
            tokenizerPath = dir.resolve(SentencePieceConverter.TOKENIZER_MODEL);
            Path modelPath = tokenizerPath;
            tokenizer = parsing(configPath, () -> {
                String cls = config.has("tokenizer_class") ? config.get("tokenizer_class").getAsString() : "";
                boolean internLM2 = cls.startsWith("InternLM2");
                boolean legacy = internLM2 || !config.has("legacy") || config.get("legacy").isJsonNull()
                        || config.get("legacy").getAsBoolean();
                Boolean prefix = config.has("add_prefix_space") && !config.get("add_prefix_space").isJsonNull()
                        ? config.get("add_prefix_space").getAsBoolean() : null;
                return SentencePieceConverter.convert(modelPath, legacy, internLM2, prefix);
            });
        } else {
            throw new IllegalArgumentException("Tokenizer file not found: " + tokenizerPath
                    + " (a Hugging Face tokenizer.json or a SentencePiece tokenizer.model is required)");
        }
        Path sourcePath = tokenizerPath;
        boolean converted = !sourcePath.getFileName().toString().equals(TOKENIZER_JSON);
        TokenizerFiles files = parsing(sourcePath, () -> new TokenizerFiles(sourcePath, tokenizer, configPath, config,
                readVocab(sourcePath, tokenizer), readAddedTokens(sourcePath, tokenizer)));

        JsonObject declared = objectOrNull(config, "added_tokens_decoder");
        if (declared != null) {
            parsing(configPath, () -> {
                for (Map.Entry<String, JsonElement> e : declared.entrySet()) {
                    JsonObject token = e.getValue().getAsJsonObject();
                    String content = stringOrNull(token, "content");
                    if (content == null) {
                        throw malformed(configPath, "added_tokens_decoder entry " + e.getKey() + " has no content");
                    }
                    boolean special = !token.has("special") || token.get("special").getAsBoolean();
                    files.declare(configPath, content, Integer.parseInt(e.getKey()), special, token);
                }
                return null;
            });
        }
        Path addedPath = dir.resolve(ADDED_TOKENS_JSON);
        if (Files.isRegularFile(addedPath)) {
            JsonObject added = readObject(addedPath);
            parsing(addedPath, () -> {
                for (Map.Entry<String, JsonElement> e : added.entrySet()) {
                    files.declare(addedPath, e.getKey(), e.getValue().getAsJsonPrimitive().getAsInt(), true, null);
                }
                return null;
            });
        }
        files.addedTokens.sort(Comparator.comparingInt(AddedToken::id));
        files.converted = converted;
        files.prefixesText = converted && parsing(configPath, () -> {
            String cls = config.has("tokenizer_class") ? config.get("tokenizer_class").getAsString() : "";
            boolean legacy = cls.startsWith("InternLM2") || !config.has("legacy") || config.get("legacy").isJsonNull()
                    || config.get("legacy").getAsBoolean();
            boolean prefix = !config.has("add_prefix_space") || config.get("add_prefix_space").isJsonNull()
                    || config.get("add_prefix_space").getAsBoolean();
            return !legacy && prefix;
        });
        return files;
    }

    /** tokenizer.json with the merged {@code added_tokens} list (sorted by id, as the library assigns ids in order). */
    String mergedJson() {
        JsonArray merged = new JsonArray();
        JsonArray original = tokenizer.has("added_tokens") && tokenizer.get("added_tokens").isJsonArray()
                ? tokenizer.getAsJsonArray("added_tokens") : new JsonArray();
        Map<String, JsonObject> originalByContent = new HashMap<>();
        for (JsonElement e : original) {
            originalByContent.put(e.getAsJsonObject().get("content").getAsString(), e.getAsJsonObject());
        }
        for (AddedToken token : addedTokens) {
            JsonObject entry = originalByContent.get(token.content());
            // A converted SentencePiece model has no flags of its own: tokenizer_config.json's (e.g. Phi-3's rstrip
            // on </s> and on its role tokens) apply, as when transformers builds the tokenizer.
            boolean configRules = converted && declaredFlags.containsKey(token.content());
            merged.add(entry != null && !configRules ? entry : newEntry(token));
        }
        tokenizer.add("added_tokens", merged);
        return tokenizer.toString();
    }

    /**
     * Whether the text must be prefixed with {@code ▁} before encoding: a SentencePiece model converted for a
     * non-legacy Llama tokenizer (Phi-3), which prepends it to the whole text rather than to every stretch between
     * special tokens.
     */
    boolean prefixesText() {
        return prefixesText;
    }

    /**
     * The tokens the slow tokenizer counts among {@code all_special_tokens}: bos, eos, unk and pad tokens and the
     * {@code additional_special_tokens} of tokenizer_config.json and special_tokens_map.json.
     */
    java.util.Set<String> allSpecialTokens(Path dir) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (JsonObject source : new JsonObject[] {config, readOptional(dir.resolve("special_tokens_map.json"))}) {
            for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
                JsonElement v = source.get(key);
                if (v != null && v.isJsonPrimitive()) {
                    out.add(v.getAsString());
                } else if (v != null && v.isJsonObject() && v.getAsJsonObject().has("content")) {
                    out.add(v.getAsJsonObject().get("content").getAsString());
                }
            }
            JsonElement extra = source.get("additional_special_tokens");
            if (extra != null && extra.isJsonArray()) {
                for (JsonElement e : extra.getAsJsonArray()) {
                    out.add(e.isJsonObject() ? e.getAsJsonObject().get("content").getAsString() : e.getAsString());
                }
            }
        }
        return out;
    }

    private static JsonObject readOptional(Path path) {
        return Files.isRegularFile(path) ? readObject(path) : new JsonObject();
    }

    Path tokenizerJsonPath() {
        return tokenizerJsonPath;
    }

    /** The model vocabulary (token string to id), without the added tokens. */
    Map<String, Integer> vocab() {
        return vocab;
    }

    /** The added tokens after merging, sorted by id. */
    List<AddedToken> addedTokens() {
        return addedTokens;
    }

    /** A special token named in tokenizer_config.json ({@code bos_token}, {@code pad_token}, ...): a string or an object with content. */
    Optional<String> configToken(String key) {
        JsonElement value = config.get(key);
        if (value == null || value.isJsonNull()) {
            return Optional.empty();
        }
        if (value.isJsonObject()) {
            return Optional.ofNullable(stringOrNull(value.getAsJsonObject(), "content"));
        }
        return Optional.of(value.getAsString());
    }

    /** A boolean flag of tokenizer_config.json ({@code add_bos_token}, {@code add_eos_token}), empty when absent. */
    Optional<Boolean> configFlag(String key) {
        JsonElement value = config.get(key);
        if (value == null || value.isJsonNull()) {
            return Optional.empty();
        }
        if (!value.isJsonPrimitive() || !value.getAsJsonPrimitive().isBoolean()) {
            throw malformed(configPath, key + " is not true or false");
        }
        return Optional.of(value.getAsBoolean());
    }

    /** The pad token of tokenizer.json's own {@code padding} block, if it has one. */
    Optional<String> paddingToken() {
        JsonObject padding = objectOrNull(tokenizer, "padding");
        return padding == null ? Optional.empty() : Optional.ofNullable(stringOrNull(padding, "pad_token"));
    }

    private void declare(Path source, String content, int id, boolean special, JsonObject flags) {
        for (AddedToken existing : addedTokens) {
            if (existing.content().equals(content)) {
                if (existing.id() != id) {
                    throw conflict(source, content, id, existing.id());
                }
                if (flags != null) {
                    declaredFlags.putIfAbsent(content, flags);
                }
                return;
            }
        }
        Integer vocabId = vocab.get(content);
        if (vocabId != null && vocabId != id) {
            throw conflict(source, content, id, vocabId);
        }
        if (vocabId == null && idTaken(id)) {
            throw new IllegalArgumentException(source + " declares token \"" + content + "\" with id " + id
                    + ", but " + tokenizerJsonPath + " already uses that id for another token");
        }
        addedTokens.add(new AddedToken(content, id, special));
        if (flags != null) {
            declaredFlags.put(content, flags);
        }
    }

    private boolean idTaken(int id) {
        return vocabIds.contains(id) || addedTokens.stream().anyMatch(t -> t.id() == id);
    }

    private JsonObject newEntry(AddedToken token) {
        JsonObject flags = declaredFlags.get(token.content());
        JsonObject entry = new JsonObject();
        entry.addProperty("id", token.id());
        entry.addProperty("content", token.content());
        entry.addProperty("single_word", flag(flags, "single_word"));
        entry.addProperty("lstrip", flag(flags, "lstrip"));
        entry.addProperty("rstrip", flag(flags, "rstrip"));
        entry.addProperty("normalized", flag(flags, "normalized"));
        entry.addProperty("special", token.special());
        return entry;
    }

    private static boolean flag(JsonObject flags, String key) {
        return flags != null && flags.has(key) && flags.get(key).getAsBoolean();
    }

    private IllegalArgumentException conflict(Path source, String content, int declared, int actual) {
        return new IllegalArgumentException(source + " declares token \"" + content + "\" with id " + declared
                + ", but " + tokenizerJsonPath + " gives it id " + actual);
    }

    private static Map<String, Integer> readVocab(Path path, JsonObject tokenizer) {
        JsonObject model = objectOrNull(tokenizer, "model");
        if (model == null) {
            throw malformed(path, "no \"model\" object");
        }
        JsonElement vocab = model.get("vocab");
        Map<String, Integer> ids = new HashMap<>();
        if (vocab != null && vocab.isJsonObject()) {
            for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
                ids.put(e.getKey(), e.getValue().getAsInt());
            }
        } else if (vocab != null && vocab.isJsonArray()) {
            JsonArray pieces = vocab.getAsJsonArray(); // Unigram: [[piece, score], ...], the id is the index
            for (int i = 0; i < pieces.size(); i++) {
                ids.put(pieces.get(i).getAsJsonArray().get(0).getAsString(), i);
            }
        } else {
            throw malformed(path, "the model has no vocab");
        }
        return ids;
    }

    private static List<AddedToken> readAddedTokens(Path path, JsonObject tokenizer) {
        List<AddedToken> added = new ArrayList<>();
        JsonElement list = tokenizer.get("added_tokens");
        if (list == null || list.isJsonNull()) {
            return added;
        }
        for (JsonElement e : list.getAsJsonArray()) {
            JsonObject token = e.getAsJsonObject();
            String content = stringOrNull(token, "content");
            if (content == null || !token.has("id")) {
                throw malformed(path, "an added token has no content or id: " + token);
            }
            boolean special = token.has("special") && token.get("special").getAsBoolean();
            added.add(new AddedToken(content, token.get("id").getAsInt(), special));
        }
        return added;
    }

    private static JsonObject readObject(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + path, e);
        }
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) {
                throw malformed(path, "not a JSON object");
            }
            return root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw malformed(path, e.getMessage());
        }
    }

    /** Runs {@code body}, turning a wrong JSON structure (a string where a number belongs, ...) into an error naming the file. */
    private static <T> T parsing(Path path, Supplier<T> body) {
        try {
            return body.get();
        } catch (IllegalStateException | ClassCastException | UnsupportedOperationException
                 | NumberFormatException | NullPointerException e) {
            throw malformed(path, String.valueOf(e.getMessage()));
        }
    }

    private static JsonObject objectOrNull(JsonObject parent, String key) {
        JsonElement value = parent.get(key);
        return value != null && value.isJsonObject() ? value.getAsJsonObject() : null;
    }

    private static String stringOrNull(JsonObject parent, String key) {
        JsonElement value = parent.get(key);
        return value != null && value.isJsonPrimitive() ? value.getAsString() : null;
    }

    private static IllegalArgumentException malformed(Path path, String why) {
        return new IllegalArgumentException("Malformed tokenizer file " + path + ": " + why);
    }
}
