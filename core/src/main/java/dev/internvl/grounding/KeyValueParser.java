package dev.internvl.grounding;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@code key: value} lines (ASCII or full-width colon) into an ordered map; never throws.
 *
 * <p>Tolerates what models write around such lines: list markers ({@code -}, {@code *}, {@code •},
 * {@code 1.}), Markdown emphasis around the key, JSON-style quotes and trailing commas, code fences. A line is
 * split at its first colon, so values may hold colons ({@code Time: 12:30}). Lines without a colon, with an
 * empty key, a key without any letter ({@code 12:30}), a key longer than 100 characters or a URL
 * ({@code https://...}) are skipped. When a key repeats, the first value is kept.
 */
public final class KeyValueParser {

    static final int MAX_KEY_CHARS = 100;

    private KeyValueParser() {
    }

    /** The pairs of {@code text} in order of appearance; an unmodifiable map. */
    public static Map<String, String> parse(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null) {
            return Collections.unmodifiableMap(out);
        }
        for (String raw : text.split("\\R")) {
            String line = stripListMarker(raw.strip());
            if (line.isEmpty() || line.startsWith("```")) {
                continue;
            }
            int colon = firstColon(line);
            if (colon < 0) {
                continue;
            }
            String key = unquote(trimEmphasis(line.substring(0, colon).strip()));
            String value = line.substring(colon + 1).strip();
            if (key.isEmpty() || key.length() > MAX_KEY_CHARS || key.codePoints().noneMatch(Character::isLetter)
                    || (value.startsWith("//") && (key.equalsIgnoreCase("http") || key.equalsIgnoreCase("https")))) {
                continue;
            }
            if (value.endsWith(",") && value.length() > 1 && (value.charAt(0) == '"' || value.charAt(0) == '\'')) {
                value = value.substring(0, value.length() - 1).strip();
            }
            value = unquote(trimEmphasis(value));
            out.putIfAbsent(key, value);
        }
        return Collections.unmodifiableMap(out);
    }

    private static int firstColon(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == ':' || c == '\uff1a') {
                return i;
            }
        }
        return -1;
    }

    private static String stripListMarker(String line) {
        if (line.length() >= 2 && "-*•+".indexOf(line.charAt(0)) >= 0 && Character.isWhitespace(line.charAt(1))) {
            return line.substring(2).strip();
        }
        int i = 0;
        while (i < line.length() && i < 4 && Character.isDigit(line.charAt(i))) {
            i++;
        }
        if (i > 0 && i + 1 < line.length() && (line.charAt(i) == '.' || line.charAt(i) == ')')
                && Character.isWhitespace(line.charAt(i + 1))) {
            return line.substring(i + 2).strip();
        }
        return line;
    }

    /** Removes Markdown emphasis markers ({@code *}, {@code _}) from both ends. */
    private static String trimEmphasis(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && (s.charAt(a) == '*' || s.charAt(a) == '_')) {
            a++;
        }
        while (b > a && (s.charAt(b - 1) == '*' || s.charAt(b - 1) == '_')) {
            b--;
        }
        return s.substring(a, b).strip();
    }

    private static String unquote(String s) {
        if (s.length() >= 2) {
            char first = s.charAt(0);
            char last = s.charAt(s.length() - 1);
            if ((first == '"' || first == '\'') && last == first) {
                return s.substring(1, s.length() - 1).strip();
            }
        }
        return s;
    }
}
