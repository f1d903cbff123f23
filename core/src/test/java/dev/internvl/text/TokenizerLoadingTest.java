package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading rules, on the five-word tokenizer of {@code tokenizers/tiny-wordlevel-bos} (ids: {@code <unk>} 0,
 * {@code <s>} 1, {@code </s>} 2, hello 3, world 4), whose post-processor prepends {@code <s>} like InternLM2's.
 */
class TokenizerLoadingTest {

    @TempDir
    Path dir;

    @Test
    void prependsBosWhenThePostProcessorDoes() throws IOException {
        try (InternVLTokenizer tokenizer = load(null, null)) {
            assertTrue(tokenizer.addsBos());
            assertArrayEquals(new long[] {1, 3, 4}, tokenizer.encode("hello world"));
            assertArrayEquals(new long[] {1}, tokenizer.encode(""));
            assertEquals(5, tokenizer.vocabSize());
            assertEquals(OptionalLong.empty(), tokenizer.padTokenId());
        }
    }

    @Test
    void tokenizerConfigFlagsOverrideThePostProcessor() throws IOException {
        try (InternVLTokenizer tokenizer = load("{\"add_bos_token\": false}", null)) {
            assertFalse(tokenizer.addsBos());
            assertArrayEquals(new long[] {3, 4}, tokenizer.encode("hello world"));
        }
        try (InternVLTokenizer tokenizer = load("{\"add_eos_token\": true, \"eos_token\": \"</s>\", \"pad_token\": \"</s>\"}", null)) {
            assertArrayEquals(new long[] {1, 3, 4, 2}, tokenizer.encode("hello world"));
            assertEquals(OptionalLong.of(2), tokenizer.padTokenId());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> load("{\"add_bos_token\": true, \"bos_token\": null}", null));
        assertTrue(e.getMessage().contains("bos_token"), e.getMessage());
    }

    @Test
    void addsTheTokensThatAddedTokensJsonDeclares() throws IOException {
        try (InternVLTokenizer tokenizer = load(null, "{\"<img>\": 5, \"<IMG_CONTEXT>\": 6}")) {
            assertEquals(OptionalLong.of(5), tokenizer.tokenId("<img>"));
            assertArrayEquals(new long[] {1, 3, 5, 6, 6, 4}, tokenizer.encode("hello <img><IMG_CONTEXT><IMG_CONTEXT> world"));
            assertTrue(tokenizer.specialIds().contains(6L));
            assertEquals(7, tokenizer.vocabSize());
        }
    }

    @Test
    void addsTheTokensOfAddedTokensDecoderWithTheirSpecialFlag() throws IOException {
        String config = "{\"added_tokens_decoder\": {"
                + "\"5\": {\"content\": \"<ref>\", \"special\": true},"
                + "\"6\": {\"content\": \"<think>\", \"special\": false}}}";
        try (InternVLTokenizer tokenizer = load(config, null)) {
            assertArrayEquals(new long[] {1, 5, 3, 6}, tokenizer.encode("<ref>hello<think>"));
            assertTrue(tokenizer.specialIds().contains(5L));
            assertFalse(tokenizer.specialIds().contains(6L));
        }
    }

    @Test
    void rejectsContradictoryOrUnaddableTokenIds() {
        IllegalArgumentException conflict = assertThrows(IllegalArgumentException.class, () -> load(null, "{\"hello\": 7}"));
        assertTrue(conflict.getMessage().contains("added_tokens.json") && conflict.getMessage().contains("hello"),
                conflict.getMessage());
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class, () -> load(null, "{\"<img>\": 4}"));
        assertTrue(taken.getMessage().contains("already uses"), taken.getMessage());
        // The library numbers added tokens after the vocabulary, so an id that leaves a gap cannot be honoured.
        IllegalStateException gap = assertThrows(IllegalStateException.class, () -> load(null, "{\"<img>\": 9}"));
        assertTrue(gap.getMessage().contains("cannot add token \"<img>\" with id 9"), gap.getMessage());
    }

    @Test
    void namesTheMissingOrMalformedFile() throws IOException {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> InternVLTokenizer.load(dir));
        assertEquals("No tokenizer in " + dir + ": looked for tokenizer.json, tokenizer.model and vocab.json + merges.txt",
                missing.getMessage());

        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": ");
        IllegalArgumentException truncated = assertThrows(IllegalArgumentException.class, () -> InternVLTokenizer.load(dir));
        assertTrue(truncated.getMessage().startsWith("Malformed tokenizer file " + dir.resolve("tokenizer.json")),
                truncated.getMessage());

        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"added_tokens\": []}");
        IllegalArgumentException noModel = assertThrows(IllegalArgumentException.class, () -> InternVLTokenizer.load(dir));
        assertTrue(noModel.getMessage().contains("no \"model\""), noModel.getMessage());

        Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\", \"model\": {\"type\": \"NoSuchModel\", \"vocab\": {}}}");
        IllegalArgumentException rejected = assertThrows(IllegalArgumentException.class, () -> InternVLTokenizer.load(dir));
        assertTrue(rejected.getMessage().contains("rejects " + dir.resolve("tokenizer.json")), rejected.getMessage());

        IllegalArgumentException badConfig = assertThrows(IllegalArgumentException.class, () -> load("[1, 2", null));
        assertTrue(badConfig.getMessage().contains("tokenizer_config.json"), badConfig.getMessage());

        IllegalArgumentException badAdded = assertThrows(IllegalArgumentException.class, () -> load(null, "{\"<img>\": \"five\"}"));
        assertTrue(badAdded.getMessage().contains("added_tokens.json"), badAdded.getMessage());
    }

    // ---- vocab.json + merges.txt (the slow Qwen2 packaging), on a five-piece byte-level vocabulary ----

    private static final String TINY_VOCAB = "{\"a\": 0, \"b\": 1, \"ab\": 2, \"c\": 3, \"\u0120\": 4}";

    private void writePair(String vocab, String merges) throws IOException {
        write("vocab.json", vocab);
        write("merges.txt", merges);
    }

    @Test
    void readsVocabJsonAndMergesTxt() throws IOException {
        writePair(TINY_VOCAB, "#version: 0.2\r\na b\r\n\r\n");
        try (InternVLTokenizer t = InternVLTokenizer.load(dir)) {
            assertEquals("vocab.json + merges.txt (Qwen2Tokenizer, slow)", t.source());
            assertArrayEquals(new long[] {2, 4, 1, 0, 3}, t.encode("ab bac"));
            assertEquals("ab bac", t.decode(t.encode("ab bac"), false));
            assertFalse(t.addsBos());
            assertEquals(5, t.vocabSize());
        }
    }

    @Test
    void addedTokensDecoderRenamesAVocabularyIdOfTheSlowPackaging() throws IOException {
        writePair(TINY_VOCAB, "#version: 0.2\na b\n");
        write("tokenizer_config.json", "{\"tokenizer_class\": \"Qwen2Tokenizer\", \"added_tokens_decoder\": {"
                + "\"3\": {\"content\": \"<x>\", \"special\": true}, \"5\": {\"content\": \"<img>\", \"special\": true}}}");
        try (InternVLTokenizer t = InternVLTokenizer.load(dir)) {
            assertEquals("vocab.json + merges.txt (Qwen2Tokenizer, slow, 1 ids renamed by tokenizer_config.json)",
                    t.source());
            assertArrayEquals(new long[] {3, 0, 3, 5}, t.encode("<x>ac<img>")); // "c" is still id 3 as well
            assertEquals("<x>", t.decode(new long[] {3}, false));
            assertEquals("a", t.decode(new long[] {3, 0}, true));
            assertEquals(6, t.vocabSize());
        }
        // added_tokens.json does not rename: another string on a vocabulary id is an error naming file, token, id
        write("tokenizer_config.json", null);
        write("added_tokens.json", "{\"<y>\": 3}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InternVLTokenizer.load(dir));
        assertEquals(dir.resolve("added_tokens.json") + " declares token \"<y>\" with id 3, but " + dir.resolve("vocab.json")
                + " already uses that id for \"c\"", e.getMessage());
    }

    @Test
    void namesWhatIsWrongWithVocabJsonAndMergesTxt() throws IOException {
        writePair(TINY_VOCAB, null);
        assertError("Tokenizer file not found: " + dir.resolve("merges.txt") + " (vocab.json is there; a Qwen2 tokenizer"
                + " needs both vocab.json + merges.txt)");
        writePair(null, "#version: 0.2\na b\n");
        assertError("Tokenizer file not found: " + dir.resolve("vocab.json") + " (merges.txt is there; a Qwen2 tokenizer"
                + " needs both vocab.json + merges.txt)");

        String merges = dir.resolve("merges.txt").toString();
        writePair(TINY_VOCAB, "#version: 0.2\na b c\n");
        assertError("Malformed tokenizer file " + merges + ": line 2 is not two tokens separated by a space: \"a b c\"");
        writePair(TINY_VOCAB, "#version: 0.2\na b\nab\n");
        assertError("Malformed tokenizer file " + merges + ": line 3 is not two tokens separated by a space: \"ab\"");
        writePair(TINY_VOCAB, "a b\na d\n");
        assertError("Malformed tokenizer file " + merges + ": line 2 merges \"d\", which vocab.json lacks");
        writePair(TINY_VOCAB, "b a\n");
        assertError("Malformed tokenizer file " + merges + ": line 1 makes \"ba\", which vocab.json lacks");
        writePair(TINY_VOCAB, "#version: 0.2\n");
        assertError("Malformed tokenizer file " + merges + ": no merges");

        String vocab = dir.resolve("vocab.json").toString();
        writePair("[\"a\", \"b\"]", "a b\n");
        assertError("Malformed tokenizer file " + vocab + ": not a JSON object of token to id");
        writePair("{\"a\": 0, \"b\": \"one\"}", "a b\n");
        assertError("Malformed tokenizer file " + vocab + ": token \"b\" has id \"one\", not a non-negative integer");
        writePair("{\"a\": 0, \"b\": 0}", "a b\n");
        assertError("Malformed tokenizer file " + vocab + ": id 0 is given to both \"a\" and \"b\"");
        writePair("{\"a\": 0, ", "a b\n");
        IllegalArgumentException truncated = assertThrows(IllegalArgumentException.class, () -> InternVLTokenizer.load(dir));
        assertTrue(truncated.getMessage().startsWith("Malformed tokenizer file " + vocab + ": "), truncated.getMessage());

        writePair(TINY_VOCAB, "a b\n");
        write("tokenizer_config.json", "{\"tokenizer_class\": \"GPT2Tokenizer\"}");
        assertError(dir.resolve("tokenizer_config.json") + " names tokenizer_class GPT2Tokenizer, but the folder has only"
                + " vocab.json + merges.txt, which are supported for Qwen2Tokenizer only");
    }

    private void assertError(String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InternVLTokenizer.load(dir));
        assertEquals(message, e.getMessage());
    }

    // ---- Llama-3 packaging (InternVL2-Llama3-76B): tokenizer.json only, PreTrainedTokenizerFast, BOS by post-processor ----

    /**
     * A Llama-3-shaped tokenizer.json made at test time from the Qwen byte-level vocabulary of
     * {@code tokenizers/internvl2-qwen2} (Llama-3's own tokenizer is not shipped): no normalizer, Llama-3's split
     * regex (digits in groups of up to three), {@code <|begin_of_text|>} prepended by a TemplateProcessing
     * post-processor, the chat tokens and then the InternVL tokens as added tokens after the vocabulary.
     */
    @Test
    void loadsALlama3StyleTokenizerJsonWhoseBosComesFromThePostProcessor() throws IOException {
        JsonObject json;
        try (var reader = Files.newBufferedReader(TestData.resource("tokenizers/internvl2-qwen2/tokenizer.json"))) {
            json = JsonParser.parseReader(reader).getAsJsonObject();
        }
        int base = json.getAsJsonObject("model").getAsJsonObject("vocab").size(); // 151643
        List<String> added = new ArrayList<>(List.of("<|begin_of_text|>", "<|end_of_text|>", "<|im_start|>", "<|im_end|>"));
        added.addAll(InternVLTokens.ALL);
        JsonArray addedTokens = new JsonArray();
        for (int i = 0; i < added.size(); i++) {
            JsonObject t = new JsonObject();
            t.addProperty("id", base + i);
            t.addProperty("content", added.get(i));
            t.addProperty("single_word", false);
            t.addProperty("lstrip", false);
            t.addProperty("rstrip", false);
            t.addProperty("normalized", false);
            t.addProperty("special", true);
            addedTokens.add(t);
        }
        json.add("added_tokens", addedTokens);
        json.add("normalizer", JsonNull.INSTANCE);
        json.getAsJsonObject("pre_tokenizer").getAsJsonArray("pretokenizers").get(0).getAsJsonObject()
                .getAsJsonObject("pattern").addProperty("Regex", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+"
                        + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
        json.add("post_processor", JsonParser.parseString("{\"type\": \"TemplateProcessing\","
                + " \"single\": [{\"SpecialToken\": {\"id\": \"<|begin_of_text|>\", \"type_id\": 0}},"
                + " {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}],"
                + " \"pair\": [{\"SpecialToken\": {\"id\": \"<|begin_of_text|>\", \"type_id\": 0}},"
                + " {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}}, {\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}],"
                + " \"special_tokens\": {\"<|begin_of_text|>\": {\"id\": \"<|begin_of_text|>\", \"ids\": [" + base + "],"
                + " \"tokens\": [\"<|begin_of_text|>\"]}}}"));
        Files.writeString(dir.resolve("tokenizer.json"), json.toString(), StandardCharsets.UTF_8);
        write("tokenizer_config.json", "{\"tokenizer_class\": \"PreTrainedTokenizerFast\", \"bos_token\": \"<|begin_of_text|>\","
                + " \"eos_token\": \"<|im_end|>\"}");
        // a stray slow packaging next to it is not read
        writePair(TINY_VOCAB, "a b\n");
        try (InternVLTokenizer t = InternVLTokenizer.load(dir)) {
            assertEquals("tokenizer.json (PreTrainedTokenizerFast)", t.source());
            assertTrue(t.addsBos());
            assertArrayEquals(new long[] {base, 9707, 1879}, t.encode("Hello world"));
            long img = t.requireTokenId("<img>");
            long context = t.requireTokenId("<IMG_CONTEXT>");
            assertEquals(base + 4, img);
            assertArrayEquals(new long[] {base, base + 2, img, context, context, img + 1},
                    t.encode("<|im_start|>" + TokenizerTexts.image(2)));
            assertEquals(base + added.size(), t.vocabSize());
            assertEquals("Hello world", t.decode(t.encode("<|im_start|>Hello world<|im_end|>"), true));
        }
    }

    private InternVLTokenizer load(String tokenizerConfig, String addedTokens) throws IOException {
        Files.copy(TestData.resource("tokenizers/tiny-wordlevel-bos/tokenizer.json"), dir.resolve("tokenizer.json"),
                StandardCopyOption.REPLACE_EXISTING);
        write("tokenizer_config.json", tokenizerConfig);
        write("added_tokens.json", addedTokens);
        return InternVLTokenizer.load(dir);
    }

    private void write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        if (content == null) {
            Files.deleteIfExists(file);
        } else {
            Files.writeString(file, content, StandardCharsets.UTF_8);
        }
    }
}
