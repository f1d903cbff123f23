package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "slow" packaging of Qwen2 checkpoints (InternVL2-1B, InternVL2.5/3 Qwen ones): {@code vocab.json} +
 * {@code merges.txt} without tokenizer.json. The two files are written at test time from the vocabulary and merges
 * of {@code tokenizers/internvl2-qwen2/tokenizer.json}, so the converted tokenizer must give exactly the ids of that
 * tokenizer.json.
 */
class Qwen2VocabMergesTest {

    @TempDir
    static Path root;

    private static Path pairDir;
    private static InternVLTokenizer pair;

    @BeforeAll
    static void derivePair() throws IOException {
        pairDir = Files.createDirectories(root.resolve("internvl2-1b-slow"));
        writePair(pairDir);
        Files.copy(TestData.resource("tokenizers/internvl2-qwen2/tokenizer_config.json"),
                pairDir.resolve("tokenizer_config.json"));
        // as InternVL2-1B ships it: the twelve added tokens again, in added_tokens.json
        JsonObject added = new JsonObject();
        JsonObject declared = TestData.json("tokenizers/internvl2-qwen2/tokenizer_config.json").getAsJsonObject()
                .getAsJsonObject("added_tokens_decoder");
        for (Map.Entry<String, JsonElement> e : declared.entrySet()) {
            added.addProperty(e.getValue().getAsJsonObject().get("content").getAsString(), Integer.parseInt(e.getKey()));
        }
        Files.writeString(pairDir.resolve("added_tokens.json"), added.toString());
        pair = InternVLTokenizer.load(pairDir);
    }

    @AfterAll
    static void close() {
        if (pair != null) {
            pair.close();
        }
    }

    /** vocab.json and merges.txt ("#version: 0.2", then one "left right" line per merge) of the test tokenizer.json. */
    static void writePair(Path dir) throws IOException {
        JsonObject model;
        try (var reader = Files.newBufferedReader(TestData.resource("tokenizers/internvl2-qwen2/tokenizer.json"))) {
            model = JsonParser.parseReader(reader).getAsJsonObject().getAsJsonObject("model");
        }
        Files.writeString(dir.resolve("vocab.json"), model.getAsJsonObject("vocab").toString(), StandardCharsets.UTF_8);
        try (Writer w = Files.newBufferedWriter(dir.resolve("merges.txt"), StandardCharsets.UTF_8)) {
            w.write("#version: 0.2\n");
            for (JsonElement m : model.getAsJsonArray("merges")) {
                String line = m.isJsonArray()
                        ? m.getAsJsonArray().get(0).getAsString() + " " + m.getAsJsonArray().get(1).getAsString()
                        : m.getAsString();
                w.write(line + "\n");
            }
        }
    }

    @Test
    void givesTheIdsOfTheSameVocabularyLoadedFromTokenizerJson() {
        InternVLTokenizer json = TestData.qwen2Tokenizer(); // tokenizer_class Qwen2Tokenizer: slow rules, NFC first
        List<String> texts = TokenizerTexts.all(true);
        for (String text : texts) {
            long[] ids = pair.encode(text);
            assertArrayEquals(json.encode(text), ids, text);
            assertEquals(json.decode(ids, false), pair.decode(ids, false), text);
            assertEquals(json.decode(ids, true), pair.decode(ids, true), text);
        }
        assertTrue(texts.size() >= 50, "only " + texts.size() + " texts");
    }

    @Test
    void normalizesTheWholeTextToNfcBeforeSplittingOffAddedTokens() throws IOException {
        // A fast tokenizer (tokenizer.json, Qwen2TokenizerFast) normalizes only the stretches between added tokens.
        Path fastDir = Files.createDirectories(root.resolve("fast"));
        Files.copy(TestData.resource("tokenizers/internvl2-qwen2/tokenizer.json"), fastDir.resolve("tokenizer.json"));
        JsonObject config = TestData.json("tokenizers/internvl2-qwen2/tokenizer_config.json").getAsJsonObject();
        config.addProperty("tokenizer_class", "Qwen2TokenizerFast");
        Files.writeString(fastDir.resolve("tokenizer_config.json"), config.toString());
        try (InternVLTokenizer fast = InternVLTokenizer.load(fastDir)) {
            assertEquals("tokenizer.json (Qwen2TokenizerFast)", fast.source());
            for (String text : TokenizerTexts.all(true)) {
                assertArrayEquals(fast.encode(Normalizer.normalize(text, Normalizer.Form.NFC)), pair.encode(text), text);
            }
            // ">" + U+0338 composes to U+226F: the slow tokenizer no longer sees "<img>"
            String text = "<img>\u0338 x";
            long img = pair.requireTokenId("<img>");
            assertTrue(Arrays.stream(fast.encode(text)).anyMatch(id -> id == img));
            assertFalse(Arrays.stream(pair.encode(text)).anyMatch(id -> id == img));
        }
    }

    @Test
    void qwen2FactsHoldForTheSlowPackaging() {
        assertEquals("vocab.json + merges.txt (Qwen2Tokenizer, slow)", pair.source());
        assertEquals(151655, pair.vocabSize()); // len(tokenizer): 151643 pieces + 12 added tokens
        assertFalse(pair.addsBos());
        assertEquals(OptionalLong.of(151643), pair.padTokenId());
        assertEquals(12, pair.specialIds().size());
        assertArrayEquals(new long[] {9707, 1879}, pair.encode("Hello world"));
        for (int i = 0; i < InternVLTokens.ALL.size(); i++) {
            assertEquals(OptionalLong.of(151646 + i), pair.tokenId(InternVLTokens.ALL.get(i)));
        }
    }

    @Test
    void picksThePackagingThatTheTokenizerClassReads() throws IOException {
        // The folder has both packagings; tokenizer.json is the five-word tokenizer, which tells them apart.
        Path both = Files.createDirectories(root.resolve("both"));
        Files.copy(pairDir.resolve("vocab.json"), both.resolve("vocab.json"));
        Files.copy(pairDir.resolve("merges.txt"), both.resolve("merges.txt"));
        Files.copy(TestData.resource("tokenizers/tiny-wordlevel-bos/tokenizer.json"), both.resolve("tokenizer.json"));
        long[] qwenHello = pair.encode("hello world");
        assertSource(both, "{\"tokenizer_class\": \"Qwen2Tokenizer\"}", "vocab.json + merges.txt (Qwen2Tokenizer, slow)",
                qwenHello);
        assertSource(both, "{\"tokenizer_class\": \"PreTrainedTokenizerFast\"}",
                "tokenizer.json (PreTrainedTokenizerFast)", new long[] {1, 3, 4});
        assertSource(both, "{\"tokenizer_class\": \"Qwen2TokenizerFast\"}", "tokenizer.json (Qwen2TokenizerFast)",
                new long[] {1, 3, 4});
        assertSource(both, null, "tokenizer.json", new long[] {1, 3, 4});
        // without tokenizer.json a fast class converts the slow files, as transformers does
        Files.delete(both.resolve("tokenizer.json"));
        assertSource(both, "{\"tokenizer_class\": \"Qwen2TokenizerFast\"}",
                "vocab.json + merges.txt (Qwen2TokenizerFast, converted)", qwenHello);
        assertSource(both, null, "vocab.json + merges.txt (Qwen2Tokenizer, slow)", qwenHello);
        // a SentencePiece class reads tokenizer.model when the folder has one
        Path spmOnly = Files.createDirectories(root.resolve("spm-only"));
        Files.copy(TestData.resource("tokenizers/mistral-spm/tokenizer.model"), spmOnly.resolve("tokenizer.model"));
        long[] spmHello;
        try (InternVLTokenizer spm = InternVLTokenizer.load(spmOnly)) {
            spmHello = spm.encode("hello world");
        }
        Files.copy(TestData.resource("tokenizers/mistral-spm/tokenizer.model"), both.resolve("tokenizer.model"));
        try {
            assertSource(both, "{\"tokenizer_class\": \"LlamaTokenizer\"}", "tokenizer.model (SentencePiece, LlamaTokenizer)",
                    spmHello);
            assertSource(both, "{\"tokenizer_class\": \"Qwen2Tokenizer\"}",
                    "vocab.json + merges.txt (Qwen2Tokenizer, slow)", qwenHello);
        } finally {
            Files.delete(both.resolve("tokenizer.model"));
        }
    }

    private static void assertSource(Path dir, String config, String source, long[] helloWorld) {
        try {
            Path file = dir.resolve("tokenizer_config.json");
            if (config == null) {
                Files.deleteIfExists(file);
            } else {
                Files.writeString(file, config);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (InternVLTokenizer t = InternVLTokenizer.load(dir)) {
            assertEquals(source, t.source(), String.valueOf(config));
            assertArrayEquals(helloWorld, t.encode("hello world"), String.valueOf(config));
        }
    }

    @Test
    void encodePlainSpellsOutAddedTokens() {
        for (String token : PromptSafetyTest.FORGERIES) {
            PromptSafetyTest.assertPlain(pair, token);
        }
        assertArrayEquals(TestData.qwen2Tokenizer().encodePlain(PromptSafetyTest.FORGED_QUESTION),
                pair.encodePlain(PromptSafetyTest.FORGED_QUESTION));
    }
}
