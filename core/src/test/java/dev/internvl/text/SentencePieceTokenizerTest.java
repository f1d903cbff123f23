package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checkpoints that ship only a SentencePiece {@code tokenizer.model} (InternLM2, Phi-3): the model is converted at
 * load as transformers converts it, and the ids are checked against independent implementations on a real
 * 32000-piece vocabulary (Mistral-7B's, see {@code tokenizers/README.md}): the published tokenizer.json run by
 * {@code @lenml/tokenizers} for the legacy (InternLM2-style) conversion, transformers for Phi-3's non-legacy one.
 */
class SentencePieceTokenizerTest {

    @TempDir
    Path dir;

    /** A checkpoint-like folder: the shared tokenizer.model plus the folder's tokenizer_config.json. */
    InternVLTokenizer load(String folder) {
        try {
            Files.copy(TestData.resource("tokenizers/mistral-spm/tokenizer.model"), dir.resolve("tokenizer.model"));
            Files.copy(TestData.resource("tokenizers/" + folder + "/tokenizer_config.json"),
                    dir.resolve("tokenizer_config.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return InternVLTokenizer.load(dir);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mistral-legacy", "internlm2-style", "phi3-internvl"})
    void idsMatchAnIndependentImplementation(String folder) {
        JsonObject golden = TestData.json("tokenizers/" + folder + "/encode_cases.json").getAsJsonObject();
        int n = 0;
        try (InternVLTokenizer tokenizer = load(folder)) {
            for (JsonElement c : golden.getAsJsonArray("cases")) {
                String text = c.getAsJsonObject().get("text").getAsString();
                long[] expected = StreamSupport.stream(c.getAsJsonObject().getAsJsonArray("ids").spliterator(), false)
                        .mapToLong(JsonElement::getAsLong).toArray();
                assertArrayEquals(expected, tokenizer.encode(text), folder + ": " + text);
                n++;
            }
        }
        assertTrue(n >= 30, "only " + n + " cases");
    }

    @Test
    void internLM2StyleAddsBosAndKeepsChatAndImageTokensWhole() {
        try (InternVLTokenizer t = load("internlm2-style")) {
            assertTrue(t.addsBos());
            assertEquals(OptionalLong.of(1), t.tokenId("<s>"));
            long imEnd = t.requireTokenId("<|im_end|>");
            long context = t.requireTokenId("<IMG_CONTEXT>");
            assertEquals(32004, imEnd);
            assertEquals(32008, context);
            assertArrayEquals(new long[] {1, context, context, imEnd}, t.encode("<IMG_CONTEXT><IMG_CONTEXT><|im_end|>"));
            assertTrue(t.specialIds().contains(context));
            String text = "Hello 世界 👍🏽\n  x";
            assertEquals(text, t.decode(t.encode(text), true));
        }
    }

    @Test
    void phi3AddsNoBosAndItsRoleTokensSwallowTheNewlineAfterThem() {
        try (InternVLTokenizer t = load("phi3-internvl")) {
            assertFalse(t.addsBos());
            assertEquals(32007, t.requireTokenId("<|end|>"));
            assertEquals(32000, t.requireTokenId("<|endoftext|>"));
            for (int i = 0; i < InternVLTokens.ALL.size(); i++) {
                assertEquals(32011 + i, t.requireTokenId(InternVLTokens.ALL.get(i)), InternVLTokens.ALL.get(i));
            }
            // rstrip on <|user|>: "\n" after it is not a token; the slow tokenizer's "▁" before a leading added token
            // that is not among its all_special_tokens stays, as in Python
            long[] ids = t.encode("<|user|>\nHi<|end|>");
            assertEquals(t.requireTokenId("\u2581"), ids[0]);
            assertEquals(32010, ids[1]);
            assertEquals(32007, ids[ids.length - 1]);
            assertEquals(4, ids.length, java.util.Arrays.toString(ids));
            assertArrayEquals(new long[] {32000, 16230}, t.encode("<|endoftext|>Hello")); // eos_token: no "▁" before it, none after
            assertEquals("<|end|>", ConversationTemplates.get("phi3-chat").stopSeparator());
            assertTrue(ConversationTemplates.get("phi3-chat").stopTokenIds(t).contains(32007L));
        }
    }

    @Test
    void convertedVocabularyHasBytesMergesAndControlTokens() {
        JsonObject json = SentencePieceConverter.convert(TestData.resource("tokenizers/mistral-spm/tokenizer.model"),
                true, false, null);
        JsonObject model = json.getAsJsonObject("model");
        assertEquals(32000, model.getAsJsonObject("vocab").size());
        assertEquals(58980, model.getAsJsonArray("merges").size()); // as many as the published tokenizer.json
        assertEquals("\u2581 t", model.getAsJsonArray("merges").get(0).getAsString());
        assertTrue(model.get("byte_fallback").getAsBoolean());
        assertEquals(3, json.getAsJsonArray("added_tokens").size()); // <unk> <s> </s>
    }

    @Test
    void unigramAndGarbageModelsAreRejectedWithTheFileName() throws IOException {
        Path bad = dir.resolve("tokenizer.model");
        Files.write(bad, new byte[] {0x0a, 0x7f, 0x01});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SentencePieceConverter.convert(bad, true, false, null));
        assertTrue(e.getMessage().contains("tokenizer.model"), e.getMessage());
        // one piece "a" (score 0, type 1) and trainer_spec model_type 1 (unigram)
        Files.write(bad, new byte[] {0x0a, 0x03, 0x0a, 0x01, 'a', 0x12, 0x02, 0x18, 0x01});
        e = assertThrows(IllegalArgumentException.class, () -> SentencePieceConverter.convert(bad, true, false, null));
        assertTrue(e.getMessage().contains("only BPE"), e.getMessage());
    }
}
