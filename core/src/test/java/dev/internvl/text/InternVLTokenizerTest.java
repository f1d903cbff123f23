package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.List;
import java.util.OptionalLong;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.Test;

/** The InternVL2-1B (Qwen2) tokenizer through DJL, against known Qwen ids and a second implementation. */
class InternVLTokenizerTest {

    private final InternVLTokenizer tokenizer = TestData.qwen2Tokenizer();

    @Test
    void runsOfflineWithTheNativeLibraryFromTheJar() {
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertArrayEquals(new long[] {9707}, tokenizer.encode("Hello"));
    }

    @Test
    void encodesKnownQwenIds() {
        assertArrayEquals(new long[] {9707, 1879}, tokenizer.encode("Hello world"));
        // The system turn of Qwen2's own chat template, a well-known id sequence.
        assertArrayEquals(new long[] {151644, 8948, 198, 2610, 525, 264, 10950, 17847, 13, 151645, 198, 151644, 872, 198},
                tokenizer.encode("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"));
    }

    @Test
    void agreesWithAnIndependentImplementation() {
        JsonObject golden = TestData.json("tokenizers/internvl2-qwen2/encode_cases.json").getAsJsonObject();
        for (JsonElement c : golden.getAsJsonArray("cases")) {
            String text = c.getAsJsonObject().get("text").getAsString();
            long[] expected = StreamSupport.stream(c.getAsJsonObject().getAsJsonArray("ids").spliterator(), false)
                    .mapToLong(JsonElement::getAsLong).toArray();
            assertArrayEquals(expected, tokenizer.encode(text), text);
        }
    }

    @Test
    void internVLTokensAreSingleSpecialIds() {
        for (int i = 0; i < InternVLTokens.ALL.size(); i++) {
            String token = InternVLTokens.ALL.get(i);
            long id = 151646 + i;
            assertEquals(OptionalLong.of(id), tokenizer.tokenId(token), token);
            assertArrayEquals(new long[] {id}, tokenizer.encode(token), token);
            assertTrue(tokenizer.specialIds().contains(id), token);
        }
        assertEquals(151643, tokenizer.requireTokenId("<|endoftext|>"));
        assertEquals(151644, tokenizer.requireTokenId("<|im_start|>"));
        assertEquals(151645, tokenizer.requireTokenId("<|im_end|>"));
        assertEquals(12, tokenizer.specialIds().size());
    }

    @Test
    void specialTokensInsideTextStaySingleIds() {
        assertArrayEquals(new long[] {151646, 151648, 151648, 151647, 198, 3838, 30},
                tokenizer.encode("<img><IMG_CONTEXT><IMG_CONTEXT></img>\nWhat?"));
        assertArrayEquals(new long[] {64, 151651, 65, 151652, 66}, tokenizer.encode("a<ref>b</ref>c"));
    }

    @Test
    void looksUpVocabularyTokensAndRejectsUnknownOnes() {
        assertEquals(OptionalLong.of(9707), tokenizer.tokenId("Hello"));
        assertEquals(OptionalLong.empty(), tokenizer.tokenId("<|end|>"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tokenizer.requireTokenId("<|end|>"));
        assertTrue(e.getMessage().contains("<|end|>"), e.getMessage());
    }

    @Test
    void qwen2AddsNoBosAndPadsWithEndOfText() {
        assertFalse(tokenizer.addsBos());
        assertArrayEquals(new long[0], tokenizer.encode(""));
        assertEquals(OptionalLong.of(151643), tokenizer.padTokenId());
        assertEquals(151655, tokenizer.vocabSize());
    }

    @Test
    void neverTruncates() {
        String text = "Hello world. ".repeat(2000); // 3 tokens per repetition, far past DJL's default of 512
        long[] ids = tokenizer.encode(text);
        assertTrue(ids.length > 5000, "only " + ids.length + " tokens");
        assertEquals(text, tokenizer.decode(ids, false));
    }

    @Test
    void roundTripsWhitespaceChineseAndEmoji() {
        for (String text : List.of("  two leading spaces", "\n\nnewlines\n", "\ttab", "trailing  ", "你好，世界！请详细描述这张图片。",
                "👍🏽🎉 👨‍👩‍👧 🇨🇭", "mixed 中文 and English 😀", "Ünïcödé façade — naïve café", " ")) {
            long[] ids = tokenizer.encode(text);
            assertEquals(text, tokenizer.decode(ids, false), text);
            assertEquals(text, tokenizer.decode(ids, true), text);
        }
    }

    @Test
    void skipSpecialTokensDropsGroundingTokensWhileKeepingThemShowsThem() {
        String grounded = "<ref>the red rose</ref><box>[[120, 45, 880, 960]]</box><|im_end|>";
        long[] ids = tokenizer.encode(grounded);
        assertEquals("the red rose[[120, 45, 880, 960]]", tokenizer.decode(ids, true));
        assertEquals(grounded, tokenizer.decode(ids, false));
    }
}
