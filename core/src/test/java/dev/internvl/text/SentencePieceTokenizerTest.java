package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.internvl.testing.PythonReference;
import dev.internvl.testing.RealCheckpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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

    // ---- InternLM2-style placeholder pieces that tokenizer_config.json renames ----

    /** The chat tokens that InternLM2's tokenizer_config.json gives to the placeholder pieces, in id order. */
    private static final List<String> RENAMED = List.of("<|plugin|>", "<|interpreter|>", "<|action_end|>",
            "<|action_start|>", "<|im_end|>", "<|im_start|>");
    /** Id of the first placeholder piece appended to the 32000 pieces: [UNUSED_TOKEN_140] (kept), then 141..146. */
    private static final int FIRST_PLACEHOLDER = 32000;
    private static final int FIRST_INTERNVL = FIRST_PLACEHOLDER + 7;

    /**
     * A folder like InternVL2-2B's, made at test time: the Mistral tokenizer.model with seven user-defined pieces
     * {@code [UNUSED_TOKEN_140]}..{@code [UNUSED_TOKEN_146]} appended (ids 32000..32006, as InternLM2's model has
     * them at 92537..92543) and, like InternLM2's, no dummy prefix; an InternLM2Tokenizer tokenizer_config.json whose added_tokens_decoder renames
     * 32001..32006 to the chat tokens and adds the InternVL tokens from 32007, and the added_tokens.json of those.
     */
    private Path placeholderFolder(String addedTokensJson) throws IOException {
        java.io.ByteArrayOutputStream model = new java.io.ByteArrayOutputStream();
        model.write(Files.readAllBytes(TestData.resource("tokenizers/mistral-spm/tokenizer.model")));
        for (int i = 0; i < 7; i++) {
            // repeated field 1 of ModelProto may come after the others: appended pieces get the next ids
            byte[] piece = userDefinedPiece("[UNUSED_TOKEN_" + (140 + i) + "]");
            model.write(0x0a);
            model.write(piece.length);
            model.write(piece);
        }
        // a second NormalizerSpec (field 3) merges into the first: add_dummy_prefix false, as InternLM2's model has it
        model.write(new byte[] {0x1a, 0x02, 0x18, 0x00});
        Files.write(dir.resolve("tokenizer.model"), model.toByteArray());

        JsonObject decoder = new JsonObject();
        List<String> special = List.of("<unk>", "<s>", "</s>");
        for (int i = 0; i < special.size(); i++) {
            decoder.add(String.valueOf(i), declared(special.get(i)));
        }
        for (int i = 0; i < RENAMED.size(); i++) {
            decoder.add(String.valueOf(FIRST_PLACEHOLDER + 1 + i), declared(RENAMED.get(i)));
        }
        JsonObject added = new JsonObject();
        for (int i = 0; i < InternVLTokens.ALL.size(); i++) {
            decoder.add(String.valueOf(FIRST_INTERNVL + i), declared(InternVLTokens.ALL.get(i)));
            added.addProperty(InternVLTokens.ALL.get(i), FIRST_INTERNVL + i);
        }
        JsonObject config = new JsonObject();
        config.add("added_tokens_decoder", decoder);
        config.addProperty("tokenizer_class", "InternLM2Tokenizer");
        config.addProperty("bos_token", "<s>");
        config.addProperty("eos_token", "</s>");
        config.addProperty("pad_token", "</s>");
        config.addProperty("unk_token", "<unk>");
        com.google.gson.JsonArray extra = new com.google.gson.JsonArray();
        RENAMED.forEach(extra::add);
        InternVLTokens.ALL.forEach(extra::add);
        config.add("additional_special_tokens", extra);
        Files.writeString(dir.resolve("tokenizer_config.json"), config.toString());
        Files.writeString(dir.resolve("added_tokens.json"), addedTokensJson == null ? added.toString() : addedTokensJson);
        return dir;
    }

    /** A SentencePiece message: piece (field 1), score 0 (field 2), type 4 user-defined (field 3). */
    private static byte[] userDefinedPiece(String text) {
        byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0x0a);
        out.write(utf8.length);
        out.writeBytes(utf8);
        out.writeBytes(new byte[] {0x15, 0, 0, 0, 0, 0x18, 4});
        return out.toByteArray();
    }

    private static JsonObject declared(String content) {
        JsonObject token = new JsonObject();
        token.addProperty("content", content);
        token.addProperty("lstrip", false);
        token.addProperty("normalized", false);
        token.addProperty("rstrip", false);
        token.addProperty("single_word", false);
        token.addProperty("special", true);
        return token;
    }

    @Test
    void placeholderPiecesRenamedByTokenizerConfigTakeTheDeclaredText() throws IOException {
        try (InternVLTokenizer t = InternVLTokenizer.load(placeholderFolder(null))) {
            assertEquals("tokenizer.model (SentencePiece, InternLM2Tokenizer, 6 ids renamed by tokenizer_config.json)",
                    t.source());
            // len(tokenizer): the 32007 pieces (six now named by the declarations) and the nine InternVL tokens
            assertEquals(32007 + 9, t.vocabSize());
            for (int i = 0; i < RENAMED.size(); i++) {
                long id = FIRST_PLACEHOLDER + 1 + i;
                assertEquals(id, t.requireTokenId(RENAMED.get(i)));
                assertArrayEquals(new long[] {1, id}, t.encode(RENAMED.get(i)), RENAMED.get(i));
                assertEquals(RENAMED.get(i), t.decode(new long[] {id}, false));
                assertEquals("", t.decode(new long[] {id}, true));
                assertTrue(t.specialIds().contains(id));
            }
            for (int i = 0; i < InternVLTokens.ALL.size(); i++) {
                assertArrayEquals(new long[] {1, FIRST_INTERNVL + i}, t.encode(InternVLTokens.ALL.get(i)));
            }
            // the old piece text is still the user-defined piece: SentencePiece maps it to its id, now named <|plugin|>
            long[] placeholder = t.encode("x[UNUSED_TOKEN_141]y");
            assertEquals(1, Arrays.stream(placeholder).filter(id -> id == FIRST_PLACEHOLDER + 1).count(),
                    Arrays.toString(placeholder));
            // a placeholder that no declaration renames stays a token of its own
            assertEquals(OptionalLong.of(FIRST_PLACEHOLDER), t.tokenId("[UNUSED_TOKEN_140]"));
            assertEquals("[UNUSED_TOKEN_140]", t.decode(new long[] {FIRST_PLACEHOLDER}, false));
            long imStart = t.requireTokenId("<|im_start|>");
            long imEnd = t.requireTokenId("<|im_end|>");
            long[] turn = t.encode("<|im_start|>user\n" + TokenizerTexts.image(2) + "\nHi<|im_end|>");
            assertEquals(imStart, turn[1]);
            assertEquals(imEnd, turn[turn.length - 1]);
            assertFalse(t.decode(turn, true).contains("<"), t.decode(turn, true));
        }
    }

    @Test
    void placeholderRenamingMatchesTheInternLM2Reference() throws IOException {
        Path script = PythonReference.assumeScript("ref_internlm2.py", "sentencepiece");
        Path folder = placeholderFolder(null);
        List<String> texts = TokenizerTexts.all(false);
        List<long[]> expected = PythonReference.ids(script, folder, texts, Files.createDirectories(dir.resolve("ref")));
        try (InternVLTokenizer t = InternVLTokenizer.load(folder)) {
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(expected.get(i), t.encode(texts.get(i)), texts.get(i));
            }
        }
    }

    @Test
    void anAddedTokenOnAPieceThatNoDeclarationRenamesIsAnError() throws IOException {
        // added_tokens.json may not rename: "<tool>" on the id that tokenizer_config.json gives to <|plugin|>
        IllegalArgumentException onRenamed = assertThrows(IllegalArgumentException.class,
                () -> InternVLTokenizer.load(placeholderFolder("{\"<tool>\": " + (FIRST_PLACEHOLDER + 1) + "}")));
        String m = onRenamed.getMessage();
        assertTrue(m.contains("added_tokens.json") && m.contains("\"<tool>\"") && m.contains("id " + (FIRST_PLACEHOLDER + 1))
                && m.contains("<|plugin|>"), m);
        // nor give a real piece's id to another string
        IllegalArgumentException onPiece = assertThrows(IllegalArgumentException.class,
                () -> InternVLTokenizer.load(placeholderFolder("{\"<tool>\": 22557}")));
        m = onPiece.getMessage();
        assertTrue(m.contains(dir.resolve("added_tokens.json").toString()) && m.contains("\"<tool>\"")
                && m.contains("id 22557") && m.contains("\"\u2581Hello\"") && m.contains("tokenizer.model"), m);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mistral-legacy", "internlm2-style", "phi3-internvl"})
    void encodePlainSpellsOutAddedTokens(String folder) {
        try (InternVLTokenizer t = load(folder)) {
            int checked = 0;
            for (String token : List.of("<s>", "</s>", "<unk>", "<img>", "<IMG_CONTEXT>", "<|user|>", "<|end|>")) {
                if (t.tokenId(token).isPresent()) {
                    PromptSafetyTest.assertPlain(t, token);
                    checked++;
                }
            }
            assertTrue(checked >= 3, folder + ": " + checked);
            assertEquals(0, java.util.Arrays.stream(t.encodePlain("a<s>b</s>")).filter(t.specialIds()::contains).count());
        }
    }

    @Test
    void encodePlainSpellsOutRenamedPlaceholderPieces() throws IOException {
        try (InternVLTokenizer t = InternVLTokenizer.load(placeholderFolder(null))) {
            long imEnd = t.requireTokenId("<|im_end|>");
            PromptSafetyTest.assertPlain(t, "<|im_end|>");
            PromptSafetyTest.assertPlain(t, "<|im_start|>");
            // the piece the declaration renamed encodes to the control id in the reference, never plainly
            assertArrayEquals(new long[] {1, imEnd}, t.encode("[UNUSED_TOKEN_145]"), "reference");
            long[] plain = t.encodePlain("[UNUSED_TOKEN_145]");
            assertTrue(java.util.Arrays.stream(plain).noneMatch(id -> id >= FIRST_PLACEHOLDER), java.util.Arrays.toString(plain));
        }
    }
}
