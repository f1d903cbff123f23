package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Streaming decoding gives the same text as decoding at once, and never half a character. */
class TokenStreamDecoderTest {

    private static final List<String> TEXTS = List.of(
            "这是一朵红色的玫瑰。图片里有几种颜色？三种。罕见字：龘鸂",
            "Emoji: 👍🏽🎉 and a family 👨‍👩‍👧 and flags 🇨🇭🇯🇵 🫠🦩𝔘",
            "<ref>玫瑰</ref><box>[[120, 45, 880, 960]]</box> 😀<|im_end|>",
            "  Once upon a time,\n\ta small robot learned to paint.\n",
            "Ünïcödé façade — naïve café ✓ ∑ ∞");

    private final InternVLTokenizer tokenizer = TestData.qwen2Tokenizer();

    @Test
    void deltasAddUpToTheFullDecodeAndAreWholeCharacters() {
        for (boolean skip : new boolean[] {true, false}) {
            for (String text : TEXTS) {
                long[] ids = tokenizer.encode(text);
                List<String> deltas = stream(ids, skip);
                assertEquals(tokenizer.decode(ids, skip), String.join("", deltas), text);
                for (String delta : deltas) {
                    assertFalse(delta.contains("\uFFFD"), () -> "half a character in " + deltas);
                    assertFalse(!delta.isEmpty() && Character.isHighSurrogate(delta.charAt(delta.length() - 1)), text);
                }
            }
        }
    }

    @Test
    void holdsBackTokensThatEndInsideACharacter() {
        long[] ids = tokenizer.encode("🫠");
        assertTrue(ids.length > 1, "the emoji should span several byte-level tokens");
        TokenStreamDecoder decoder = tokenizer.newStreamDecoder(true);
        for (int i = 0; i < ids.length - 1; i++) {
            assertEquals("", decoder.push(ids[i]));
        }
        assertEquals("🫠", decoder.push(ids[ids.length - 1]));
        assertEquals("", decoder.flush());
    }

    @Test
    void flushEmitsAnIncompleteCharacterLikeAFullDecode() {
        long[] emoji = tokenizer.encode("🫠");
        long[] ids = {9707, emoji[0]};
        TokenStreamDecoder decoder = tokenizer.newStreamDecoder(true);
        assertEquals("Hello", decoder.push(ids[0]));
        assertEquals("", decoder.push(ids[1]));
        String rest = decoder.flush();
        assertEquals(tokenizer.decode(ids, true), "Hello" + rest);
        assertTrue(rest.contains("\uFFFD"));
    }

    @Test
    void skipsOrKeepsSpecialTokens() {
        long[] ids = tokenizer.encode("<ref>cat</ref><|im_end|>");
        assertEquals("cat", String.join("", stream(ids, true)));
        assertEquals("<ref>cat</ref><|im_end|>", String.join("", stream(ids, false)));
    }

    @Test
    void streamsLongTexts() {
        String text = "长文本流式解码测试，包含表情😀和English words. ".repeat(300);
        long[] ids = tokenizer.encode(text);
        assertEquals(text, String.join("", stream(ids, true)));
    }

    private List<String> stream(long[] ids, boolean skip) {
        TokenStreamDecoder decoder = tokenizer.newStreamDecoder(skip);
        List<String> deltas = new ArrayList<>();
        for (long id : ids) {
            deltas.add(decoder.push(id));
        }
        deltas.add(decoder.flush());
        return deltas;
    }
}
