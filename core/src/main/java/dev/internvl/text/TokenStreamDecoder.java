package dev.internvl.text;

import java.util.Arrays;

/**
 * Turns generated token ids, fed one at a time, into text deltas without ever emitting half a character.
 *
 * <p>Byte-level BPE tokens can end inside a UTF-8 sequence (Chinese characters and emoji often span several
 * tokens); decoding such a prefix yields U+FFFD. Like the incremental decoding of text-generation-inference, this
 * decoder keeps a small window: the tokens of the last emitted delta (context for decoders that depend on the
 * preceding token) plus the tokens not yet emitted. Each step decodes only that window and emits the text past the
 * context once it no longer ends in U+FFFD; so the cost per token is constant while text keeps completing.
 *
 * <p>The concatenation of all deltas and {@link #flush()} equals {@code decode(allIds, skipSpecialTokens)}. Not
 * thread-safe: one decoder per generated sequence.
 */
public final class TokenStreamDecoder {

    private static final char REPLACEMENT = '\uFFFD';

    private final InternVLTokenizer tokenizer;
    private final boolean skipSpecialTokens;
    /** The window: {@code ids[0, readOffset)} was emitted last (context), {@code ids[readOffset, size)} is pending. */
    private long[] ids = new long[16];
    private int size;
    private int readOffset;
    /** Decoded text of {@code ids[0, readOffset)}, or null when not yet decoded. */
    private String contextText = "";

    TokenStreamDecoder(InternVLTokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /**
     * Adds one generated token.
     *
     * @return the text completed by this token, possibly empty (e.g. the first bytes of a multi-byte character,
     *     or a special token that is skipped)
     */
    public String push(long tokenId) {
        append(tokenId);
        String context = contextText();
        String text = decode(size);
        if (text.length() <= context.length() || text.charAt(text.length() - 1) == REPLACEMENT) {
            return "";
        }
        slideWindow();
        return text.substring(context.length());
    }

    /**
     * Emits whatever is still pending, incomplete characters included (as U+FFFD, like a full decode), and starts
     * afresh. Call it once generation has ended.
     */
    public String flush() {
        String context = contextText();
        String text = decode(size);
        size = 0;
        readOffset = 0;
        contextText = "";
        return text.length() > context.length() ? text.substring(context.length()) : "";
    }

    /** After an emission, the tokens just emitted become the context and nothing is pending. */
    private void slideWindow() {
        System.arraycopy(ids, readOffset, ids, 0, size - readOffset);
        size -= readOffset;
        readOffset = size;
        contextText = null;
    }

    private String contextText() {
        if (contextText == null) {
            contextText = decode(readOffset);
        }
        return contextText;
    }

    private String decode(int end) {
        return tokenizer.decode(Arrays.copyOf(ids, end), skipSpecialTokens);
    }

    private void append(long tokenId) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = tokenId;
    }
}
