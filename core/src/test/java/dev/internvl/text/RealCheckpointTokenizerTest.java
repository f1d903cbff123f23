package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.testing.PythonReference;
import dev.internvl.testing.RealCheckpoints;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer files of published checkpoints ({@code shared/realckpt}, never copied into the project) against the
 * independent references of the slow transformers tokenizers that InternVL's {@code chat()} uses: InternVL2-1B's
 * {@code vocab.json} + {@code merges.txt} ({@code ref_qwen2.py}) and InternVL2-2B's InternLM2 {@code tokenizer.model},
 * whose ids 92538..92543 tokenizer_config.json renames ({@code ref_internlm2.py}). Skipped where the folder or the
 * Python modules are missing (failing under {@code CI=true} when only the modules are).
 */
class RealCheckpointTokenizerTest {

    @TempDir
    Path work;

    /**
     * Texts for the references. They read their text file in Python's text mode, which turns {@code \r} into
     * {@code \n}, so texts with {@code \r} are left to the tokenizer.json comparison of {@link Qwen2VocabMergesTest}.
     */
    private static List<String> texts() {
        return TokenizerTexts.all(false);
    }

    @Test
    void internVL2_1BMatchesTheSlowQwen2Tokenizer() {
        Path model = RealCheckpoints.require("InternVL2-1B");
        Path script = PythonReference.assumeScript("ref_qwen2.py", "regex");
        List<String> texts = texts();
        List<long[]> expected = PythonReference.ids(script, model, texts, work);
        try (InternVLTokenizer tokenizer = InternVLTokenizer.load(model)) {
            assertEquals("vocab.json + merges.txt (Qwen2Tokenizer, slow)", tokenizer.source());
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(expected.get(i), tokenizer.encode(texts.get(i)), texts.get(i));
            }
            assertEquals(151655, tokenizer.vocabSize()); // llm_config.vocab_size of InternVL2-1B
            assertFalse(tokenizer.addsBos());
            assertEquals(OptionalLong.of(151648), tokenizer.tokenId("<IMG_CONTEXT>"));
        }
    }

    @Test
    void internVL2_2BMatchesTheSlowInternLM2Tokenizer() {
        Path model = RealCheckpoints.require("InternVL2-2B");
        Path script = PythonReference.assumeScript("ref_internlm2.py", "sentencepiece");
        List<String> texts = texts();
        List<long[]> expected = PythonReference.ids(script, model, texts, work);
        try (InternVLTokenizer tokenizer = InternVLTokenizer.load(model)) {
            assertEquals("tokenizer.model (SentencePiece, InternLM2Tokenizer, 6 ids renamed by tokenizer_config.json)",
                    tokenizer.source());
            for (int i = 0; i < texts.size(); i++) {
                assertArrayEquals(expected.get(i), tokenizer.encode(texts.get(i)), texts.get(i));
            }
            assertEquals(92553, tokenizer.vocabSize()); // llm_config.vocab_size of InternVL2-2B
            assertTrue(tokenizer.addsBos());
            // The renamed ids decode to their declared text and are special (chat() skips them).
            String[] renamed = {"<|plugin|>", "<|interpreter|>", "<|action_end|>", "<|action_start|>", "<|im_end|>",
                    "<|im_start|>"};
            for (int i = 0; i < renamed.length; i++) {
                long id = 92538 + i;
                assertEquals(id, tokenizer.requireTokenId(renamed[i]));
                assertEquals(renamed[i], tokenizer.decode(new long[] {id}, false));
                assertEquals("", tokenizer.decode(new long[] {id}, true));
                assertTrue(tokenizer.specialIds().contains(id), renamed[i]);
            }
            assertEquals(92546, tokenizer.requireTokenId("<IMG_CONTEXT>"));
            String answer = "<ref>red panda</ref><box>[[1, 2, 3, 4]]</box> 在木板上。<|im_end|>";
            assertEquals("red panda[[1, 2, 3, 4]] 在木板上。", tokenizer.decode(tokenizer.encode(answer), true));
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"InternVL2-1B", "InternVL2-2B"})
    void encodePlainNeverYieldsAControlTokenOfThePublishedTokenizers(String name) {
        try (InternVLTokenizer t = InternVLTokenizer.load(RealCheckpoints.require(name))) {
            int checked = 0;
            for (String token : List.of("<|im_end|>", "<|im_start|>", "<|endoftext|>", "<s>", "</s>", "<img>",
                    "</img>", "<IMG_CONTEXT>", "<ref>", "</box>")) {
                if (t.tokenId(token).isPresent()) {
                    PromptSafetyTest.assertPlain(t, token);
                    checked++;
                }
            }
            assertTrue(checked >= 8, name + ": " + checked);
            // InternLM2's placeholder pieces that tokenizer_config.json renames to the chat tokens
            long imEnd = t.requireTokenId("<|im_end|>");
            for (long id : t.encodePlain("[UNUSED_TOKEN_145] [UNUSED_TOKEN_146]")) {
                assertTrue(id != imEnd && !t.specialIds().contains(id), name + ": " + id);
            }
        }
    }
}
