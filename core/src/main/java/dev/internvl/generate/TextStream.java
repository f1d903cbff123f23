package dev.internvl.generate;

import dev.internvl.text.PythonStrings;
import dev.internvl.text.TokenStreamDecoder;
import java.util.List;

/**
 * The text of one generated sequence as it grows: decodes token by token, ends it at the first stop string, and
 * releases deltas so that their concatenation is exactly the final answer — stripped like the reference's
 * {@code response.strip()}, and never showing the beginning of a stop string that later completes.
 */
final class TextStream {

    private final TokenStreamDecoder decoder;
    private final List<String> stopStrings;
    private final int holdBack;
    private final StringBuilder text = new StringBuilder();
    private int emitted = -1; // index into text up to which deltas were released; -1 before the first non-space
    private boolean stopped;

    TextStream(TokenStreamDecoder decoder, List<String> stopStrings) {
        this.decoder = decoder;
        this.stopStrings = stopStrings;
        this.holdBack = stopStrings.stream().mapToInt(String::length).max().orElse(1) - 1;
    }

    /** Adds a token; returns the text that may be shown now (possibly empty). */
    String push(long tokenId) {
        int before = text.length();
        text.append(decoder.push(tokenId));
        for (String s : stopStrings) { // only a match that ends in the new text can be new
            int at = text.indexOf(s, Math.max(0, before - s.length() + 1));
            if (at >= 0) {
                text.setLength(at);
                stopped = true;
            }
        }
        return release(stopped ? text.length() : text.length() - holdBack);
    }

    /** Ends the sequence; returns the last text to show. */
    String finish() {
        if (!stopped) {
            text.append(decoder.flush());
            for (String s : stopStrings) {
                int at = text.indexOf(s);
                if (at >= 0) {
                    text.setLength(at);
                }
            }
        }
        return release(text.length());
    }

    /** Whether a stop string was produced. */
    boolean stopped() {
        return stopped;
    }

    /** The answer so far, stripped. */
    String text() {
        return PythonStrings.strip(text.toString());
    }

    private String release(int limit) {
        int end = Math.max(0, Math.min(limit, text.length()));
        // trailing whitespace waits until more text follows it (or is dropped at the end)
        while (end > 0 && PythonStrings.isSpace(text.charAt(end - 1))) {
            end--;
        }
        if (emitted < 0) {
            int start = 0;
            while (start < end && PythonStrings.isSpace(text.charAt(start))) {
                start++;
            }
            if (start >= end) {
                return "";
            }
            emitted = start;
        }
        if (end <= emitted) {
            return "";
        }
        String delta = text.substring(emitted, end);
        emitted = end;
        return delta;
    }
}
