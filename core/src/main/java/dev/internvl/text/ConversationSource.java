package dev.internvl.text;

import dev.internvl.text.PythonLexer.Kind;
import dev.internvl.text.PythonLexer.Token;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the default system message of one template out of a checkpoint's {@code conversation.py} without running
 * it: the file is tokenized as Python ({@link PythonLexer}, so comments and strings are told apart), and the
 * template is the {@code Conversation(name=..., ...)} passed to a module-level {@code register_conv_template(...)}
 * call. Its {@code system_message=} keyword (in any position) is the message; without one, the default of the
 * {@code system_message} field of the file's own {@code Conversation} dataclass applies ({@code ''} in the
 * official files).
 *
 * <p>Values are read only where they are string literal expressions: literals of any quoting and prefix,
 * implicitly concatenated, parenthesised, joined with {@code +}. Where the answer would depend on running the code
 * (another expression, an f-string, positional or unpacked arguments, a registration inside a block or one whose
 * name cannot be read, a template registered twice without {@code override=True}, a module-level statement touching
 * {@code system_message}, an encoding other than UTF-8, Python that does not tokenize) the file is
 * {@link Unreadable} and the caller keeps its built-in default.
 */
final class ConversationSource {

    /** The file does not say the template's system message in a form read here; the message says why and where. */
    static final class Unreadable extends Exception {
        Unreadable(String message) {
            super(message);
        }
    }

    /** One {@code register_conv_template(Conversation(...))} call: its keywords as token ranges. */
    private record Registration(int line, String name, Map<String, int[]> keywords, Boolean override) {
    }

    /** A PEP 263 encoding declaration on the first or second line (the second only after a comment or blank). */
    private static final Pattern CODING = Pattern.compile(
            "\\A(?:[ \\t\\f]*(?:#[^\\n]*)?\\r?\\n)?[ \\t\\f]*#[^\\n]*?coding[:=][ \\t]*([-\\w.]+)");
    private static final Pattern UTF_8 = Pattern.compile("(?i)utf[-_]?8(?:[-_].*)?");

    private final List<Token> tokens;

    private ConversationSource(List<Token> tokens) {
        this.tokens = tokens;
    }

    /**
     * The default system message that {@code source} (a {@code conversation.py}) gives {@code template}.
     *
     * @return the message, or empty when the file registers no template of that name
     * @throws Unreadable when the answer cannot be read from the file exactly
     */
    static Optional<String> systemMessage(String source, String template) throws Unreadable {
        Matcher coding = CODING.matcher(source.startsWith("\uFEFF") ? source.substring(1) : source);
        if (coding.find() && !UTF_8.matcher(coding.group(1)).matches()) {
            throw new Unreadable("declares the source encoding " + coding.group(1) + ", not UTF-8");
        }
        List<Token> tokens;
        try {
            tokens = PythonLexer.tokenize(source);
        } catch (PythonLexer.SyntaxError e) {
            throw new Unreadable("not Python as this reader tokenizes it (" + e.getMessage() + ")");
        }
        return new ConversationSource(tokens).read(template);
    }

    private Optional<String> read(String template) throws Unreadable {
        Registration found = null;
        for (int i = 0; i + 1 < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (!t.isName("register_conv_template") || !tokens.get(i + 1).isOp("(")) {
                continue;
            }
            if (i > 0 && (tokens.get(i - 1).isName("def") || tokens.get(i - 1).isOp("."))) {
                continue; // the function's definition, or some object's method of the same name
            }
            Registration r = registration(i + 1);
            if (!r.name().equals(template)) {
                continue;
            }
            if (!t.lineStart() || t.indent() != 0) {
                throw new Unreadable("line " + t.line() + ": template " + template
                        + " is registered inside a block or an expression; whether that runs depends on the code");
            }
            if (found != null && !Boolean.TRUE.equals(r.override())) {
                throw new Unreadable("line " + t.line() + ": template " + template + " is registered again without "
                        + "override=True (Python stops there with an AssertionError)");
            }
            found = r;
        }
        if (found == null) {
            return Optional.empty();
        }
        moduleLevelChanges();
        int[] value = found.keywords().get("system_message");
        if (value != null) {
            return Optional.of(literal(value[0], value[1], "line " + found.line() + ": the system_message of " + template));
        }
        return Optional.of(classDefault(template));
    }

    /**
     * Refuses module-level statements (outside the registrations) that touch a system message, such as
     * {@code conv_templates['x'].system_message = ...}: the registered value would not be the one in force.
     */
    private void moduleLevelChanges() throws Unreadable {
        for (int i = 0; i < tokens.size(); i++) {
            Token first = tokens.get(i);
            if (!first.lineStart() || first.indent() != 0 || first.kind() == Kind.END) {
                continue;
            }
            boolean skip = first.isName("def") || first.isName("class") || first.isOp("@") || first.isName("import")
                    || first.isName("from") || first.isName("register_conv_template");
            for (int j = i; tokens.get(j).kind() != Kind.NEWLINE && tokens.get(j).kind() != Kind.END; j++) {
                Token t = tokens.get(j);
                if (!skip && (t.isName("system_message") || t.isName("set_system_message"))) {
                    throw new Unreadable("line " + t.line() + ": a module-level statement touches " + t.text()
                            + " (" + snippet(i, j + 1) + "), so the registered value may not be the one in force");
                }
            }
        }
    }

    /** The registration whose argument list opens at {@code open}. */
    private Registration registration(int open) throws Unreadable {
        int line = tokens.get(open).line();
        List<int[]> args = arguments(open);
        if (args.isEmpty() || !tokens.get(args.get(0)[0]).isName("Conversation")
                || !tokens.get(args.get(0)[0] + 1).isOp("(") || close(args.get(0)[0] + 1) != args.get(0)[1] - 1) {
            throw new Unreadable("line " + line + ": a register_conv_template call whose argument is not "
                    + "Conversation(...), so its template name cannot be read");
        }
        Boolean override = false;
        for (int a = 1; a < args.size(); a++) {
            int[] arg = args.get(a);
            int from = isKeyword(arg, "override") ? arg[0] + 2 : arg[0];
            boolean literal = arg[1] - from == 1 && tokens.get(from).kind() == Kind.NAME;
            override = literal && tokens.get(from).text().equals("True") ? Boolean.TRUE
                    : literal && tokens.get(from).text().equals("False") ? Boolean.FALSE : null;
        }
        Map<String, int[]> keywords = new LinkedHashMap<>();
        for (int[] arg : arguments(args.get(0)[0] + 1)) {
            if (arg[1] - arg[0] < 3 || tokens.get(arg[0]).kind() != Kind.NAME || !tokens.get(arg[0] + 1).isOp("=")) {
                throw new Unreadable("line " + tokens.get(arg[0]).line() + ": a Conversation(...) with a positional or "
                        + "unpacked argument (" + snippet(arg[0], arg[1]) + "), so its fields cannot be read");
            }
            String key = tokens.get(arg[0]).text();
            if (keywords.put(key, new int[] {arg[0] + 2, arg[1]}) != null) {
                throw new Unreadable("line " + tokens.get(arg[0]).line() + ": keyword argument " + key
                        + " repeated (a Python syntax error)");
            }
        }
        int[] name = keywords.get("name");
        if (name == null) {
            throw new Unreadable("line " + line + ": a Conversation(...) without name=");
        }
        return new Registration(line, literal(name[0], name[1], "line " + line + ": a template name"), keywords, override);
    }

    private boolean isKeyword(int[] arg, String key) {
        return arg[1] - arg[0] >= 3 && tokens.get(arg[0]).isName(key) && tokens.get(arg[0] + 1).isOp("=");
    }

    /**
     * The default of the {@code system_message} field of the file's {@code Conversation} class: the annotated
     * assignment {@code system_message: ... = <literal>} in the class body.
     */
    private String classDefault(String template) throws Unreadable {
        String context = "template " + template + " sets no system_message, so the Conversation class default applies, but ";
        int header = -1;
        for (int i = 0; i + 1 < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.isName("class") && t.lineStart() && t.indent() == 0 && tokens.get(i + 1).isName("Conversation")) {
                if (header >= 0) {
                    throw new Unreadable(context + "the file defines that class twice");
                }
                header = i;
            }
        }
        if (header < 0) {
            throw new Unreadable(context + "the file does not define that class");
        }
        int i = header;
        while (tokens.get(i).kind() != Kind.NEWLINE) {
            i++;
        }
        int bodyIndent = tokens.get(i + 1).indent();
        int[] found = null;
        for (i = i + 1; i < tokens.size() && tokens.get(i).kind() != Kind.END; i++) {
            Token t = tokens.get(i);
            if (t.lineStart() && t.indent() <= 0) {
                break;
            }
            if (!(t.lineStart() && t.indent() == bodyIndent && t.isName("system_message")
                    && tokens.get(i + 1).isOp(":"))) {
                continue;
            }
            int end = i;
            while (tokens.get(end).kind() != Kind.NEWLINE) {
                end++;
            }
            int eq = -1;
            for (int j = i + 2; j < end && eq < 0; j++) {
                if (tokens.get(j).isOp("=") && tokens.get(j).depth() == 0) {
                    eq = j;
                }
            }
            if (eq < 0) {
                throw new Unreadable(context + "its system_message field (line " + t.line() + ") has no default");
            }
            if (found != null) {
                throw new Unreadable(context + "the class declares system_message twice");
            }
            found = new int[] {eq + 1, end, t.line()};
        }
        if (found == null) {
            throw new Unreadable(context + "no system_message field was found in the class body");
        }
        return literal(found[0], found[1], "line " + found[2] + ": the Conversation class default of system_message");
    }

    /** The value of the string literal expression in tokens [from, to). */
    private String literal(int from, int to, String what) throws Unreadable {
        StringBuilder out = new StringBuilder();
        int end = expression(from, to, out, what);
        if (end != to || from == to) {
            throw new Unreadable(what + " is not a string literal expression: " + snippet(from, to));
        }
        return out.toString();
    }

    /** expression := term ('+' term)*; returns where it stops. */
    private int expression(int at, int to, StringBuilder out, String what) throws Unreadable {
        at = term(at, to, out, what);
        while (at < to && tokens.get(at).isOp("+")) {
            at = term(at + 1, to, out, what);
        }
        return at;
    }

    /** term := STRING+ | '(' expression ')'. */
    private int term(int at, int to, StringBuilder out, String what) throws Unreadable {
        if (at < to && tokens.get(at).isOp("(")) {
            int close = close(at);
            if (close >= to || expression(at + 1, close, out, what) != close) {
                throw new Unreadable(what + " is not a string literal expression: " + snippet(at, Math.min(close + 1, to)));
            }
            return close + 1;
        }
        if (at >= to || tokens.get(at).kind() != Kind.STRING) {
            throw new Unreadable(what + " is not a string literal expression: " + snippet(at, to));
        }
        while (at < to && tokens.get(at).kind() == Kind.STRING) {
            Token s = tokens.get(at);
            if (s.value() == null) {
                throw new Unreadable(what + " holds " + s.problem() + ": " + abbreviate(s.text()));
            }
            out.append(s.value());
            at++;
        }
        return at;
    }

    /** The arguments between the bracket at {@code open} and its match, as token ranges (no trailing empty one). */
    private List<int[]> arguments(int open) throws Unreadable {
        int close = close(open);
        int depth = tokens.get(open).depth() + 1;
        List<int[]> args = new ArrayList<>();
        int start = open + 1;
        for (int i = open + 1; i <= close; i++) {
            Token t = tokens.get(i);
            if (i == close || (t.isOp(",") && t.depth() == depth)) {
                if (i == start) {
                    if (i != close) {
                        throw new Unreadable("line " + t.line() + ": an empty argument");
                    }
                } else {
                    args.add(new int[] {start, i});
                }
                start = i + 1;
            }
        }
        return args;
    }

    /** The index of the bracket closing the one at {@code open} (the lexer has checked that brackets balance). */
    private int close(int open) {
        int depth = tokens.get(open).depth();
        for (int i = open + 1; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.kind() == Kind.OP && t.depth() == depth && (t.isOp(")") || t.isOp("]") || t.isOp("}"))) {
                return i;
            }
        }
        throw new IllegalStateException("unbalanced brackets after the lexer's check");
    }

    private String snippet(int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < to && i < tokens.size(); i++) {
            if (tokens.get(i).kind() == Kind.NEWLINE || tokens.get(i).kind() == Kind.END) {
                break;
            }
            s.append(i == from ? "" : " ").append(tokens.get(i).text());
        }
        return abbreviate(s.toString());
    }

    private static String abbreviate(String s) {
        String one = s.replace("\n", "\\n");
        return one.length() <= 60 ? one : one.substring(0, 57) + "...";
    }
}
