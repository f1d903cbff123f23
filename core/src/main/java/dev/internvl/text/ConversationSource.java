package dev.internvl.text;

import java.util.Optional;

/**
 * Reads the default system message of one template out of a checkpoint's {@code conversation.py}: the
 * {@code system_message=} argument of the {@code Conversation(...)} whose {@code name=} is the template, given as a
 * Python string literal (or several adjacent literals in parentheses). Nothing is executed; anything else (an
 * expression, an f-string) yields nothing, and the caller keeps the registry default.
 */
final class ConversationSource {

    private ConversationSource() {
    }

    static Optional<String> systemMessage(String source, String template) {
        int at = -1;
        for (String form : new String[] {"name='" + template + "'", "name=\"" + template + "\""}) {
            int i = source.indexOf(form);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
            }
        }
        if (at < 0) {
            return Optional.empty();
        }
        int end = source.indexOf("register_conv_template(", at);
        String block = source.substring(at, end < 0 ? source.length() : end);
        int key = block.indexOf("system_message=");
        if (key < 0) {
            return Optional.empty();
        }
        return literals(block, key + "system_message=".length());
    }

    /** One string literal, or adjacent literals inside parentheses, starting at {@code from}. */
    private static Optional<String> literals(String s, int from) {
        int i = skipSpace(s, from);
        boolean grouped = i < s.length() && s.charAt(i) == '(';
        if (grouped) {
            i++;
        }
        StringBuilder out = new StringBuilder();
        int count = 0;
        while (true) {
            i = skipSpace(s, i);
            if (i >= s.length()) {
                return Optional.empty();
            }
            char q = s.charAt(i);
            if (q != '\'' && q != '"') {
                break;
            }
            int j = i + 1;
            while (j < s.length() && s.charAt(j) != q) {
                char c = s.charAt(j);
                if (c == '\n') {
                    return Optional.empty();
                }
                if (c == '\\' && j + 1 < s.length()) {
                    char e = s.charAt(++j);
                    switch (e) {
                        case 'n' -> out.append('\n');
                        case 't' -> out.append('\t');
                        case '\\', '\'', '"' -> out.append(e);
                        default -> {
                            return Optional.empty();
                        }
                    }
                } else {
                    out.append(c);
                }
                j++;
            }
            if (j >= s.length()) {
                return Optional.empty();
            }
            count++;
            i = j + 1;
            if (!grouped) {
                break;
            }
        }
        if (count == 0 || (grouped && (i >= s.length() || s.charAt(skipSpace(s, i)) != ')'))) {
            return Optional.empty();
        }
        return Optional.of(out.toString());
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
