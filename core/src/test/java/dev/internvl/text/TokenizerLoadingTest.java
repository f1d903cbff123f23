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
import java.util.OptionalLong;

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
        assertTrue(missing.getMessage().contains(dir.resolve("tokenizer.json").toString()), missing.getMessage());

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
