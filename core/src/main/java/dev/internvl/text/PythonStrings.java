package dev.internvl.text;

/** Python's notion of whitespace, which the reference uses to strip answers. */
public final class PythonStrings {

    private PythonStrings() {
    }

    /** Python's {@code str.isspace()} for one character. */
    public static boolean isSpace(char c) {
        // Java leaves out the no-break spaces and NEL, which Python counts as whitespace.
        return Character.isWhitespace(c) || c == '\u00A0' || c == '\u2007' || c == '\u202F' || c == '\u0085';
    }

    /** Python's {@code str.strip()}. */
    public static String strip(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && isSpace(text.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(start, end);
    }
}
