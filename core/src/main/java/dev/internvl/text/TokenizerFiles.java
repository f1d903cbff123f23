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
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The tokenizer files of a checkpoint folder, read and merged. The tokenizer itself comes from one of three
 * packagings, chosen as transformers' slow tokenizer named by {@code tokenizer_config.json}'s
 * {@code tokenizer_class} would choose (InternVL's {@code chat()} loads it with {@code use_fast=False}):
 * <ul>
 *   <li>{@code Qwen2Tokenizer}: {@code vocab.json} + {@code merges.txt}, converted by {@link Qwen2VocabConverter};</li>
 *   <li>{@code InternLM2Tokenizer}, {@code LlamaTokenizer} and other slow classes: the SentencePiece
 *       {@code tokenizer.model}, converted by {@link SentencePieceConverter};</li>
 *   <li>{@code PreTrainedTokenizerFast}, other fast classes or no class: {@code tokenizer.json}.</li>
 * </ul>
 * When the preferred packaging is missing, another present one is used. Then {@code tokenizer_config.json}
 * ({@code added_tokens_decoder}) and {@code added_tokens.json} add their tokens: those the tokenizer lacks are appended
 * to its {@code added_tokens} list, so that the Hugging Face tokenizer built from {@link #mergedJson()} matches them as
 * single tokens. For a converted packaging, a token that {@code added_tokens_decoder} declares with an id the
 * vocabulary already gives to another piece renames that id, as in transformers (InternLM2's
 * {@code [UNUSED_TOKEN_141]}..{@code [UNUSED_TOKEN_146]} become {@code <|plugin|>}..{@code <|im_start|>}): the
 * declared text encodes to the id and the id decodes to it, while the old piece text still encodes to it too, as the
 * SentencePiece model maps it.
 */
final class TokenizerFiles {

    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_CONFIG_JSON = "tokenizer_config.json";
    static final String ADDED_TOKENS_JSON = "added_tokens.json";

    /** The packagings of a tokenizer. */
    enum Kind {
        TOKENIZER_JSON("tokenizer.json"),
        SENTENCEPIECE("tokenizer.model"),
        VOCAB_MERGES("vocab.json + merges.txt");

        private final String files;

        Kind(String files) {
            this.files = files;
        }

        /** The file names of the packaging, as shown to users. */
        String files() {
            return files;
        }
    }

    /** One entry of the {@code added_tokens} list: content, id and whether decoding may skip it. */
    record AddedToken(String content, int id, boolean special) {
    }

    private final Kind kind;
    private final Path tokenizerJsonPath;
    private final JsonObject tokenizer;
    private final Path configPath;
    private final JsonObject config;
    private final Map<String, Integer> vocab;
    private final List<AddedToken> addedTokens;
    private final Set<Integer> vocabIds;
    /** The flags (lstrip, rstrip, ...) that tokenizer_config.json gives the tokens it declares. */
    private final Map<String, JsonObject> declaredFlags = new HashMap<>();
    /** Ids of the vocabulary that added_tokens_decoder renames, with the piece text they had. */
    private final Map<Integer, String> renamed = new TreeMap<>();
    /** Whether the tokenizer was converted from a SentencePiece model (then tokenizer_config.json's flags rule). */
    private boolean converted;
    /** Non-legacy SentencePiece conversion: the text itself gets the ▁ prefix (see {@link #prefixesText()}). */
    private boolean prefixesText;
    /** What was loaded, for users (see {@link #description()}). */
    private String description;
    /** Whether the whole text is normalized to NFC first (see {@link #normalizesTextToNfc()}). */
    private boolean nfcText;
    /** The packagings present but not used, for the log; empty when none. */
    private String choiceNote = "";

    private TokenizerFiles(Kind kind, Path tokenizerJsonPath, JsonObject tokenizer, Path configPath, JsonObject config,
                           Map<String, Integer> vocab, List<AddedToken> addedTokens) {
        this.kind = kind;
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
        Path configPath = dir.resolve(TOKENIZER_CONFIG_JSON);
        JsonObject config = Files.isRegularFile(configPath) ? readObject(configPath) : new JsonObject();
        String tokenizerClass = parsing(configPath, () -> {
            JsonElement cls = config.get("tokenizer_class");
            return cls == null || cls.isJsonNull() ? null : cls.getAsString();
        });
        Choice choice = choose(dir, tokenizerClass);
        Kind kind = choice.kind();
        Path tokenizerPath;
        JsonObject tokenizer;
        String description;
        switch (kind) {
            case TOKENIZER_JSON -> {
                tokenizerPath = dir.resolve(TOKENIZER_JSON);
                tokenizer = readObject(tokenizerPath);
                description = TOKENIZER_JSON + (tokenizerClass == null ? "" : " (" + tokenizerClass + ")");
            }
            case SENTENCEPIECE -> {
                // SentencePiece-only checkpoints (InternVL2-2B, InternLM2, Phi-3): converted as transformers does.
                tokenizerPath = dir.resolve(SentencePieceConverter.TOKENIZER_MODEL);
                Path modelPath = tokenizerPath;
                boolean internLM2 = tokenizerClass != null && tokenizerClass.startsWith("InternLM2");
                boolean legacy = internLM2 || parsing(configPath, () -> !config.has("legacy")
                        || config.get("legacy").isJsonNull() || config.get("legacy").getAsBoolean());
                Boolean prefix = parsing(configPath, () -> config.has("add_prefix_space")
                        && !config.get("add_prefix_space").isJsonNull()
                        ? config.get("add_prefix_space").getAsBoolean() : null);
                tokenizer = SentencePieceConverter.convert(modelPath, legacy, internLM2, prefix);
                description = SentencePieceConverter.TOKENIZER_MODEL + " (SentencePiece"
                        + (tokenizerClass == null ? "" : ", " + tokenizerClass) + (legacy ? "" : ", legacy=false") + ")";
            }
            case VOCAB_MERGES -> {
                if (tokenizerClass != null && !tokenizerClass.startsWith("Qwen2Tokenizer")) {
                    throw new IllegalArgumentException(configPath + " names tokenizer_class " + tokenizerClass
                            + ", but the folder has only " + Kind.VOCAB_MERGES.files()
                            + ", which are supported for Qwen2Tokenizer only");
                }
                tokenizerPath = dir.resolve(Qwen2VocabConverter.VOCAB_JSON);
                tokenizer = Qwen2VocabConverter.convert(tokenizerPath, dir.resolve(Qwen2VocabConverter.MERGES_TXT));
                String cls = tokenizerClass == null ? "Qwen2Tokenizer" : tokenizerClass;
                description = Kind.VOCAB_MERGES.files() + " (" + cls + (cls.endsWith("Fast") ? ", converted" : ", slow")
                        + ")";
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        Path sourcePath = tokenizerPath;
        TokenizerFiles files = parsing(sourcePath, () -> new TokenizerFiles(kind, sourcePath, tokenizer, configPath,
                config, readVocab(sourcePath, tokenizer), readAddedTokens(sourcePath, tokenizer)));
        files.description = description;
        files.choiceNote = choice.note();

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
                    files.declare(configPath, content, Integer.parseInt(e.getKey()), special, token, true);
                }
                return null;
            });
        }
        Path addedPath = dir.resolve(ADDED_TOKENS_JSON);
        if (Files.isRegularFile(addedPath)) {
            JsonObject added = readObject(addedPath);
            parsing(addedPath, () -> {
                for (Map.Entry<String, JsonElement> e : added.entrySet()) {
                    files.declare(addedPath, e.getKey(), e.getValue().getAsJsonPrimitive().getAsInt(), true, null,
                            false);
                }
                return null;
            });
        }
        files.addedTokens.sort(Comparator.comparingInt(AddedToken::id));
        files.converted = kind != Kind.TOKENIZER_JSON;
        files.prefixesText = kind == Kind.SENTENCEPIECE && parsing(configPath, () -> {
            boolean legacy = tokenizerClass != null && tokenizerClass.startsWith("InternLM2") || !config.has("legacy")
                    || config.get("legacy").isJsonNull() || config.get("legacy").getAsBoolean();
            boolean prefix = !config.has("add_prefix_space") || config.get("add_prefix_space").isJsonNull()
                    || config.get("add_prefix_space").getAsBoolean();
            return !legacy && prefix;
        });
        if (!files.renamed.isEmpty()) {
            files.description = files.description.substring(0, files.description.length() - 1) + ", "
                    + files.renamed.size() + " ids renamed by " + TOKENIZER_CONFIG_JSON + ")";
        }
        // the slow Qwen2Tokenizer: its own files, or a tokenizer.json standing in for them
        files.nfcText = kind == Kind.VOCAB_MERGES && (tokenizerClass == null || !tokenizerClass.endsWith("Fast"))
                || kind == Kind.TOKENIZER_JSON && "Qwen2Tokenizer".equals(tokenizerClass);
        return files;
    }

    /** Whether {@code dir} holds a tokenizer packaging: tokenizer.json, tokenizer.model or vocab.json + merges.txt. */
    static boolean anyIn(Path dir) {
        return Files.isRegularFile(dir.resolve(TOKENIZER_JSON))
                || Files.isRegularFile(dir.resolve(SentencePieceConverter.TOKENIZER_MODEL))
                || Files.isRegularFile(dir.resolve(Qwen2VocabConverter.VOCAB_JSON))
                && Files.isRegularFile(dir.resolve(Qwen2VocabConverter.MERGES_TXT));
    }

    /**
     * The packaging to read: the one transformers' slow tokenizer class would read when it is present, else the
     * first present of tokenizer.json, tokenizer.model, vocab.json + merges.txt.
     */
    private static Choice choose(Path dir, String tokenizerClass) {
        boolean json = Files.isRegularFile(dir.resolve(TOKENIZER_JSON));
        boolean model = Files.isRegularFile(dir.resolve(SentencePieceConverter.TOKENIZER_MODEL));
        Path vocabPath = dir.resolve(Qwen2VocabConverter.VOCAB_JSON);
        Path mergesPath = dir.resolve(Qwen2VocabConverter.MERGES_TXT);
        boolean vocab = Files.isRegularFile(vocabPath);
        boolean merges = Files.isRegularFile(mergesPath);
        List<Kind> order = preference(tokenizerClass);
        Kind chosen = null;
        for (Kind k : order) {
            boolean present = switch (k) {
                case TOKENIZER_JSON -> json;
                case SENTENCEPIECE -> model;
                case VOCAB_MERGES -> vocab && merges;
            };
            if (present) {
                chosen = k;
                break;
            }
        }
        boolean halfPair = vocab != merges;
        if (halfPair && (chosen == null || order.get(0) == Kind.VOCAB_MERGES)) {
            throw new IllegalArgumentException("Tokenizer file not found: " + (vocab ? mergesPath : vocabPath)
                    + " (" + (vocab ? vocabPath : mergesPath).getFileName() + " is there; a Qwen2 tokenizer needs both "
                    + Kind.VOCAB_MERGES.files() + ")");
        }
        if (chosen == null) {
            throw new IllegalArgumentException("No tokenizer in " + dir + ": looked for " + TOKENIZER_JSON + ", "
                    + SentencePieceConverter.TOKENIZER_MODEL + " and " + Kind.VOCAB_MERGES.files());
        }
        List<String> unused = new ArrayList<>();
        if (json && chosen != Kind.TOKENIZER_JSON) {
            unused.add(TOKENIZER_JSON);
        }
        if (model && chosen != Kind.SENTENCEPIECE) {
            unused.add(SentencePieceConverter.TOKENIZER_MODEL);
        }
        if (vocab && merges && chosen != Kind.VOCAB_MERGES) {
            unused.add(Kind.VOCAB_MERGES.files());
        }
        String note = unused.isEmpty() ? "" : "; not used: " + String.join(", ", unused);
        if (chosen != order.get(0)) {
            note += "; tokenizer_class " + tokenizerClass + " would read " + order.get(0).files() + ", which is missing";
        }
        return new Choice(chosen, note);
    }

    /** The chosen packaging and a note on the packagings present but not used. */
    private record Choice(Kind kind, String note) {
    }

    /** The packagings in the order the tokenizer class prefers them. */
    private static List<Kind> preference(String tokenizerClass) {
        if (tokenizerClass == null || tokenizerClass.endsWith("Fast")) {
            // No class, PreTrainedTokenizerFast or a fast class: tokenizer.json (a fast class converts the slow files
            // when it is missing, as here).
            return tokenizerClass != null && tokenizerClass.startsWith("Qwen2")
                    ? List.of(Kind.TOKENIZER_JSON, Kind.VOCAB_MERGES, Kind.SENTENCEPIECE)
                    : List.of(Kind.TOKENIZER_JSON, Kind.SENTENCEPIECE, Kind.VOCAB_MERGES);
        }
        if (tokenizerClass.startsWith("Qwen2Tokenizer")) {
            return List.of(Kind.VOCAB_MERGES, Kind.TOKENIZER_JSON, Kind.SENTENCEPIECE);
        }
        // InternLM2Tokenizer, LlamaTokenizer (Phi-3, Yi) and other slow SentencePiece classes.
        return List.of(Kind.SENTENCEPIECE, Kind.TOKENIZER_JSON, Kind.VOCAB_MERGES);
    }

    /**
     * What was loaded, for users: e.g. {@code vocab.json + merges.txt (Qwen2Tokenizer, slow)},
     * {@code tokenizer.model (SentencePiece, InternLM2Tokenizer, 6 ids renamed by tokenizer_config.json)},
     * {@code tokenizer.json (PreTrainedTokenizerFast)}.
     */
    String description() {
        return description;
    }

    /** Which other packagings the folder has and why they were not used, for the log; empty when none. */
    String choiceNote() {
        return choiceNote;
    }

    /** The packaging the tokenizer was read from. */
    Kind kind() {
        return kind;
    }

    /**
     * Whether the whole text is normalized to NFC before added tokens are split off, as the slow
     * {@code Qwen2Tokenizer} does: for vocab.json + merges.txt read as that class, and for a tokenizer.json whose
     * tokenizer_config.json names it.
     */
    boolean normalizesTextToNfc() {
        return nfcText;
    }

    /**
     * tokenizer.json with the merged {@code added_tokens} list (sorted by id). The library gives an added token the
     * id of its text in the model vocabulary, else the next free id; so for a converted packaging every added token
     * also joins the model vocabulary under its own id, which keeps ids after gaps or renamed pieces exact.
     */
    String mergedJson() {
        JsonArray merged = new JsonArray();
        JsonArray original = tokenizer.has("added_tokens") && tokenizer.get("added_tokens").isJsonArray()
                ? tokenizer.getAsJsonArray("added_tokens") : new JsonArray();
        Map<String, JsonObject> originalByContent = new HashMap<>();
        for (JsonElement e : original) {
            originalByContent.put(e.getAsJsonObject().get("content").getAsString(), e.getAsJsonObject());
        }
        JsonObject modelVocab = converted ? tokenizer.getAsJsonObject("model").getAsJsonObject("vocab") : null;
        for (AddedToken token : addedTokens) {
            JsonObject entry = originalByContent.get(token.content());
            // A converted SentencePiece model has no flags of its own: tokenizer_config.json's (e.g. Phi-3's rstrip
            // on </s> and on its role tokens) apply, as when transformers builds the tokenizer.
            boolean configRules = converted && declaredFlags.containsKey(token.content());
            merged.add(entry != null && !configRules ? entry : newEntry(token));
            if (modelVocab != null && !modelVocab.has(token.content())) {
                modelVocab.addProperty(token.content(), token.id());
            }
        }
        tokenizer.add("added_tokens", merged);
        return tokenizer.toString();
    }

    /**
     * tokenizer.json for encoding text with no added-token matching (transformers' {@code split_special_tokens=True}):
     * no {@code added_tokens}, and the model vocabulary without the entries that carry an added token's id or text
     * (the renamed SentencePiece pieces, control pieces such as {@code <s>}, the added tokens a conversion put there),
     * together with the merges that involve them; the model's unknown token stays. So no text encodes to an added
     * token's id. Works on a copy; the merged tokenizer is unchanged.
     */
    String plainJson() {
        JsonObject plain = tokenizer.deepCopy();
        plain.add("added_tokens", new JsonArray());
        JsonObject model = objectOrNull(plain, "model");
        JsonElement vocabElement = model == null ? null : model.get("vocab");
        if (vocabElement == null || !vocabElement.isJsonObject()) {
            return plain.toString(); // a Unigram list keeps its pieces; InternVLTokenizer checks what comes out
        }
        JsonObject modelVocab = vocabElement.getAsJsonObject();
        Set<Integer> addedIds = new HashSet<>();
        Set<String> addedTexts = new HashSet<>();
        for (AddedToken token : addedTokens) {
            addedIds.add(token.id());
            addedTexts.add(token.content());
        }
        String unk = stringOrNull(model, "unk_token");
        Set<String> removed = new HashSet<>();
        for (Map.Entry<String, JsonElement> e : modelVocab.entrySet()) {
            boolean added = addedTexts.contains(e.getKey()) || addedIds.contains(e.getValue().getAsInt());
            if (added && !e.getKey().equals(unk)) {
                removed.add(e.getKey());
            }
        }
        removed.forEach(modelVocab::remove);
        Set<String> unmergeable = new HashSet<>(removed); // no merge may form an added token, the unknown one included
        if (unk != null && addedTexts.contains(unk)) {
            unmergeable.add(unk);
        }
        JsonElement merges = model.get("merges");
        if (merges != null && merges.isJsonArray() && !unmergeable.isEmpty()) {
            JsonArray kept = new JsonArray();
            for (JsonElement merge : merges.getAsJsonArray()) {
                String left;
                String right;
                if (merge.isJsonArray()) {
                    left = merge.getAsJsonArray().get(0).getAsString();
                    right = merge.getAsJsonArray().get(1).getAsString();
                } else {
                    String pair = merge.getAsString();
                    int space = pair.indexOf(' ');
                    left = pair.substring(0, space);
                    right = pair.substring(space + 1);
                }
                if (!removed.contains(left) && !removed.contains(right) && !unmergeable.contains(left + right)) {
                    kept.add(merge);
                }
            }
            model.add("merges", kept);
        }
        return plain.toString();
    }

    /** The unknown token of the model ({@code model.unk_token}), if it names one. */
    Optional<String> modelUnkToken() {
        JsonObject model = objectOrNull(tokenizer, "model");
        return model == null ? Optional.empty() : Optional.ofNullable(stringOrNull(model, "unk_token"));
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

    /**
     * Adds a token that {@code source} declares, unless the tokenizer already has it with that id.
     *
     * @param mayRename whether the declaration renames an id that the vocabulary gives to another piece (the
     *     {@code added_tokens_decoder} of tokenizer_config.json, for a converted packaging)
     */
    private void declare(Path source, String content, int id, boolean special, JsonObject flags, boolean mayRename) {
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
            String holder = holderOf(id);
            boolean renamable = mayRename && kind != Kind.TOKENIZER_JSON && !renamed.containsKey(id)
                    && vocabIds.contains(id);
            if (!renamable) {
                throw new IllegalArgumentException(source + " declares token \"" + content + "\" with id " + id
                        + ", but " + tokenizerJsonPath + " already uses that id for \"" + holder + "\"");
            }
            // The declaration wins, as in transformers: the id gets the declared text, for encoding and decoding
            // (the text joins the model vocabulary in mergedJson()).
            renamed.put(id, holder);
        }
        addedTokens.add(new AddedToken(content, id, special));
        if (flags != null) {
            declaredFlags.put(content, flags);
        }
    }

    /** The token that has {@code id}: the last added token with it, else the vocabulary piece. */
    private String holderOf(int id) {
        for (int i = addedTokens.size() - 1; i >= 0; i--) {
            if (addedTokens.get(i).id() == id) {
                return addedTokens.get(i).content();
            }
        }
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getValue() == id) {
                return e.getKey();
            }
        }
        return "?";
    }

    /** The vocabulary ids that tokenizer_config.json renames, with the piece text each had. */
    Map<Integer, String> renamedIds() {
        return Collections.unmodifiableMap(renamed);
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
