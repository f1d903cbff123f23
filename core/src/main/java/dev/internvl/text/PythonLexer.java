package dev.internvl.text;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A strict tokenizer for Python source, enough to read the string literals of a checkpoint's
 * {@code conversation.py} without running it: names, numbers, operators, brackets, comments, logical lines, and
 * string literals with their exact value.
 *
 * <p>String literals: every prefix ({@code r u b br rb f fr rf}, any case), single, double and triple quotes, and
 * the escapes of Python 3 ({@code \n \t \\ \' \"}, {@code \a \b \f \v \r}, octal, {@code \xhh}, <code>&#92;uhhhh</code>,
 * {@code \Uhhhhhhhh}, {@code \N{name}}, backslash-newline; an unknown escape stays as written, as in Python). A
 * literal whose value cannot be known exactly carries no value but the reason: f-strings, bytes, a {@code \N{...}}
 * name that Java's Unicode tables do not hold, and escapes of lone surrogates (a Java string would pair them).
 * Source that Python itself would reject (an unterminated string, unbalanced brackets, a stray character) raises
 * {@link SyntaxError}.
 */
final class PythonLexer {

    /** The kinds of tokens. */
    enum Kind { NAME, NUMBER, STRING, OP, NEWLINE, END }

    /**
     * One token.
     *
     * @param kind what it is
     * @param text the source text (for a string, the whole literal with prefix and quotes)
     * @param line 1-based line of its first character
     * @param lineStart whether it opens a logical line
     * @param indent the indentation (in columns, tabs to multiples of 8) of its logical line
     * @param depth the bracket depth before it
     * @param value a string literal's value, or null when it cannot be known exactly (then {@code problem} says why)
     * @param problem why a string literal has no value; null otherwise
     */
    record Token(Kind kind, String text, int line, boolean lineStart, int indent, int depth, String value,
                 String problem) {

        boolean is(Kind k, String t) {
            return kind == k && text.equals(t);
        }

        boolean isOp(String t) {
            return is(Kind.OP, t);
        }

        boolean isName(String t) {
            return is(Kind.NAME, t);
        }
    }

    /** Source that Python would not accept, with the line where it goes wrong. */
    static final class SyntaxError extends Exception {
        SyntaxError(int line, String message) {
            super("line " + line + ": " + message);
        }
    }

    private static final Set<String> PREFIXES = Set.of("r", "u", "b", "br", "rb", "f", "fr", "rf");
    private static final List<String> OPERATORS = List.of(
            "**=", "//=", ">>=", "<<=", "...",
            "->", ":=", "==", "!=", "<=", ">=", "**", "//", "<<", ">>",
            "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=",
            "(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "=", "+", "-", "*", "/", "%", "&", "|", "^", "~",
            "<", ">", "@");

    private final String src;
    private final List<Token> tokens = new ArrayList<>();
    private final Deque<Character> brackets = new ArrayDeque<>();
    private int pos;
    private int line = 1;
    private boolean atLineStart = true;
    private int indent;

    private PythonLexer(String source) {
        String s = source.startsWith("\uFEFF") ? source.substring(1) : source;
        // Python reads source with universal newlines.
        this.src = s.replace("\r\n", "\n").replace('\r', '\n');
    }

    /** The tokens of {@code source}, ending with {@link Kind#END}; a NEWLINE closes every logical line. */
    static List<Token> tokenize(String source) throws SyntaxError {
        PythonLexer lexer = new PythonLexer(source);
        lexer.run();
        return lexer.tokens;
    }

    private void run() throws SyntaxError {
        while (pos < src.length()) {
            if (atLineStart && brackets.isEmpty()) {
                if (!readIndentation()) {
                    continue;
                }
            }
            char c = src.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\f') {
                pos++;
            } else if (c == '#') {
                skipComment();
            } else if (c == '\n') {
                pos++;
                line++;
                if (brackets.isEmpty() && !atLineStart) {
                    add(Kind.NEWLINE, "\n", line - 1, null, null);
                    atLineStart = true;
                }
            } else if (c == '\\') {
                if (pos + 1 < src.length() && src.charAt(pos + 1) == '\n') {
                    pos += 2;
                    line++;
                } else {
                    throw new SyntaxError(line, "a backslash outside a string that does not end the line");
                }
            } else if (c == '\'' || c == '"') {
                string("");
            } else if (isNameStart(c)) {
                int start = pos;
                while (pos < src.length() && isNamePart(src.charAt(pos))) {
                    pos++;
                }
                String name = src.substring(start, pos);
                if (pos < src.length() && (src.charAt(pos) == '\'' || src.charAt(pos) == '"')) {
                    if (!PREFIXES.contains(name.toLowerCase(Locale.ROOT))) {
                        throw new SyntaxError(line, "'" + name + "' is not a string prefix");
                    }
                    pos = start;
                    string(name);
                } else {
                    add(Kind.NAME, name, line, null, null);
                }
            } else if (Character.isDigit(c) || (c == '.' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1)))) {
                number();
            } else {
                operator();
            }
        }
        if (!brackets.isEmpty()) {
            throw new SyntaxError(line, "'" + brackets.peek() + "' was never closed");
        }
        if (!atLineStart) {
            add(Kind.NEWLINE, "\n", line, null, null);
        }
        tokens.add(new Token(Kind.END, "", line, true, 0, 0, null, null));
    }

    /** Measures the indentation of a new line; false when the line is blank or a comment (then it is consumed). */
    private boolean readIndentation() {
        int col = 0;
        int i = pos;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == ' ') {
                col++;
            } else if (c == '\t') {
                col = (col / 8 + 1) * 8;
            } else if (c == '\f') {
                col = 0;
            } else {
                break;
            }
            i++;
        }
        pos = i;
        if (i >= src.length()) {
            return false;
        }
        char c = src.charAt(i);
        if (c == '#') {
            skipComment();
            return false;
        }
        if (c == '\n') {
            pos++;
            line++;
            return false;
        }
        indent = col;
        return true;
    }

    private void skipComment() {
        while (pos < src.length() && src.charAt(pos) != '\n') {
            pos++;
        }
    }

    private void number() {
        int start = pos;
        while (pos < src.length()) {
            char c = src.charAt(pos);
            char prev = src.charAt(pos - 1 < start ? start : pos - 1);
            boolean exponentSign = (c == '+' || c == '-') && pos > start && (prev == 'e' || prev == 'E')
                    && !src.substring(start, pos).toLowerCase(Locale.ROOT).startsWith("0x");
            if (Character.isLetterOrDigit(c) || c == '_' || c == '.' || exponentSign) {
                pos++;
            } else {
                break;
            }
        }
        add(Kind.NUMBER, src.substring(start, pos), line, null, null);
    }

    private void operator() throws SyntaxError {
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                int depth = brackets.size();
                char c = op.charAt(0);
                if (op.length() == 1 && (c == '(' || c == '[' || c == '{')) {
                    brackets.push(c);
                } else if (op.length() == 1 && (c == ')' || c == ']' || c == '}')) {
                    char open = c == ')' ? '(' : c == ']' ? '[' : '{';
                    if (brackets.isEmpty() || brackets.peek() != open) {
                        throw new SyntaxError(line, "unmatched '" + c + "'");
                    }
                    brackets.pop();
                    depth = brackets.size();
                }
                addAt(Kind.OP, op, line, depth, null, null);
                pos += op.length();
                return;
            }
        }
        throw new SyntaxError(line, "unexpected character '" + src.charAt(pos) + "' (U+"
                + String.format("%04X", src.codePointAt(pos)) + ")");
    }

    /** A string literal starting at {@code pos} with its prefix. */
    private void string(String prefix) throws SyntaxError {
        int start = pos;
        int startLine = line;
        String p = prefix.toLowerCase(Locale.ROOT);
        pos += prefix.length();
        char q = src.charAt(pos);
        boolean triple = src.startsWith(String.valueOf(q).repeat(3), pos);
        int quoteLength = triple ? 3 : 1;
        pos += quoteLength;
        int bodyStart = pos;
        int bodyEnd = p.contains("f") ? fStringBodyEnd(q, triple) : bodyEnd(q, triple);
        pos = bodyEnd + quoteLength;
        String text = src.substring(start, pos);
        String body = src.substring(bodyStart, bodyEnd);
        if (p.contains("f")) {
            add(Kind.STRING, text, startLine, null, "an f-string (its value depends on running the code)");
        } else if (p.contains("b")) {
            add(Kind.STRING, text, startLine, null, "a bytes literal, not a str");
        } else if (p.contains("r")) {
            add(Kind.STRING, text, startLine, body, null);
        } else {
            String[] problem = new String[1];
            String value = unescape(body, startLine, problem);
            add(Kind.STRING, text, startLine, problem[0] == null ? value : null, problem[0]);
        }
    }

    /** The end of a plain (not f-) string body: a backslash protects the next character. */
    private int bodyEnd(char q, boolean triple) throws SyntaxError {
        while (true) {
            if (pos >= src.length()) {
                throw new SyntaxError(line, "unterminated string literal");
            }
            char c = src.charAt(pos);
            if (c == '\\') {
                if (pos + 1 < src.length() && src.charAt(pos + 1) == '\n') {
                    line++;
                }
                pos += 2;
            } else if (c == '\n') {
                if (!triple) {
                    throw new SyntaxError(line, "unterminated string literal");
                }
                line++;
                pos++;
            } else if (c == q && (!triple || src.startsWith(String.valueOf(q).repeat(3), pos))) {
                return pos;
            } else {
                pos++;
            }
        }
    }

    /**
     * The end of an f-string body. Replacement fields are followed bracket by bracket so that a quote or brace in
     * them does not end the literal; a field holding the literal's own quote (allowed only since Python 3.12) is
     * refused rather than guessed.
     */
    private int fStringBodyEnd(char q, boolean triple) throws SyntaxError {
        int depth = 0;
        while (true) {
            if (pos >= src.length()) {
                throw new SyntaxError(line, "unterminated f-string");
            }
            char c = src.charAt(pos);
            if (c == '\n') {
                if (!triple) {
                    throw new SyntaxError(line, "unterminated f-string");
                }
                line++;
                pos++;
            } else if (depth == 0) {
                if (c == '\\') {
                    pos += 2;
                } else if (c == q && (!triple || src.startsWith(String.valueOf(q).repeat(3), pos))) {
                    return pos;
                } else if ((c == '{' || c == '}') && pos + 1 < src.length() && src.charAt(pos + 1) == c) {
                    pos += 2;
                } else {
                    depth += c == '{' ? 1 : 0;
                    pos++;
                }
            } else if (c == q && (!triple || src.startsWith(String.valueOf(q).repeat(3), pos))) {
                throw new SyntaxError(line, "an f-string replacement field holding the literal's own quote");
            } else if (c == '\'' || c == '"') {
                int close = src.indexOf(c, pos + 1);
                int newline = src.indexOf('\n', pos + 1);
                if (close < 0 || (newline >= 0 && newline < close) || src.substring(pos + 1, close).indexOf('\\') >= 0) {
                    throw new SyntaxError(line, "an f-string replacement field this reader does not follow");
                }
                pos = close + 1;
            } else {
                depth += c == '{' || c == '(' || c == '[' ? 1 : c == '}' || c == ')' || c == ']' ? -1 : 0;
                pos++;
            }
        }
    }

    /** The value of a non-raw str body; sets {@code problem[0]} when it cannot be known exactly. */
    private static String unescape(String body, int line, String[] problem) throws SyntaxError {
        StringBuilder out = new StringBuilder(body.length());
        int i = 0;
        while (i < body.length()) {
            char c = body.charAt(i);
            if (c == '\n') {
                line++;
            }
            if (c != '\\') {
                out.append(c);
                i++;
                continue;
            }
            char e = body.charAt(i + 1); // a body never ends in an unpaired backslash
            i += 2;
            switch (e) {
                case '\n' -> line++;
                case '\\', '\'', '"' -> out.append(e);
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000B');
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int end = i - 1;
                    while (end < body.length() && end < i + 2 && body.charAt(end) >= '0' && body.charAt(end) <= '7') {
                        end++;
                    }
                    out.append((char) Integer.parseInt(body.substring(i - 1, end), 8));
                    i = end;
                }
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + digits > body.length() || !isHex(body.substring(i, i + digits))) {
                        throw new SyntaxError(line, "truncated \\" + e + " escape");
                    }
                    long cp = HexFormat.fromHexDigitsToLong(body.substring(i, i + digits));
                    i += digits;
                    if (cp > Character.MAX_CODE_POINT) {
                        throw new SyntaxError(line, "illegal Unicode character \\" + e + body.substring(i - digits, i));
                    }
                    if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE && problem[0] == null) {
                        problem[0] = "an escaped surrogate (a Java string cannot keep it unpaired)";
                    }
                    out.appendCodePoint((int) cp);
                }
                case 'N' -> {
                    int close = body.indexOf('}', i);
                    if (i >= body.length() || body.charAt(i) != '{' || close < 0 || body.indexOf('\n', i) >= 0
                            && body.indexOf('\n', i) < close) {
                        throw new SyntaxError(line, "malformed \\N character escape");
                    }
                    String name = body.substring(i + 1, close);
                    int cp = unicodeName(name);
                    if (cp < 0) {
                        if (problem[0] == null) {
                            problem[0] = "\\N{" + name + "}, a character name this Java does not know";
                        }
                    } else {
                        out.appendCodePoint(cp);
                    }
                    i = close + 1;
                }
                default -> out.append('\\').append(e); // Python keeps an unknown escape as written
            }
        }
        return out.toString();
    }

    /** The code point of a Unicode character name as Python's {@code \N{...}} reads it, or -1 if unknown here. */
    private static int unicodeName(String name) {
        if (name.isEmpty() || !name.equals(name.strip())) {
            return -1;
        }
        int cp;
        try {
            cp = Character.codePointOf(name);
        } catch (IllegalArgumentException e) {
            return -1;
        }
        String official = Character.getName(cp);
        Character.UnicodeBlock block = Character.UnicodeBlock.of(cp);
        String fallback = block == null ? null : block.toString().replace('_', ' ') + " "
                + Integer.toHexString(cp).toUpperCase(Locale.ROOT);
        // Java answers names it makes up for unnamed characters (block + hex); Python knows none of those.
        if (official == null || official.equals(fallback) || !official.equalsIgnoreCase(name)) {
            return -1;
        }
        return cp;
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0 || s.charAt(i) > 'f') {
                return false;
            }
        }
        return true;
    }

    private static boolean isNameStart(char c) {
        return c == '_' || Character.isUnicodeIdentifierStart(c) || Character.isHighSurrogate(c);
    }

    private static boolean isNamePart(char c) {
        return c == '_' || Character.isUnicodeIdentifierPart(c) && !Character.isIdentifierIgnorable(c)
                || Character.isSurrogate(c);
    }

    private void add(Kind kind, String text, int tokenLine, String value, String problem) {
        addAt(kind, text, tokenLine, brackets.size(), value, problem);
    }

    private void addAt(Kind kind, String text, int tokenLine, int depth, String value, String problem) {
        boolean start = atLineStart && kind != Kind.NEWLINE;
        tokens.add(new Token(kind, text, tokenLine, start, indent, depth, value, problem));
        if (kind != Kind.NEWLINE) {
            atLineStart = false;
        }
    }
}
