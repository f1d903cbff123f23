package dev.internvl.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading system messages out of conversation.py as Python source: the literal cases of
 * {@code conversation/literals.txt} and the registrations of the fixture files, against Python itself where
 * {@code /usr/bin/python3} is there, and against hand-written values otherwise.
 */
class ConversationSourceTest {

    /** A minimal runnable conversation.py head, in the shipped shape (dataclass default '', f-string in a method). */
    static final String HEAD = """
            import dataclasses


            @dataclasses.dataclass
            class Conversation:
                name: str
                system_template: str = '{system_message}'
                system_message: str = ''
                roles: tuple = ('USER', 'ASSISTANT')


            conv_templates = {}


            def register_conv_template(template: Conversation, override: bool = False):
                if not override:
                    assert template.name not in conv_templates, f'{template.name} has been registered.'
                conv_templates[template.name] = template


            """;

    /** Prints, for each file in argv, {name: system_message} of its registry, or the error Python raised. */
    private static final String PYTHON = """
            import json, runpy, sys, warnings
            warnings.simplefilter('ignore')
            out = []
            for path in sys.argv[1:]:
                try:
                    ns = runpy.run_path(path)
                    out.append({'templates': {k: v.system_message if isinstance(v.system_message, str) else None
                                              for k, v in ns['conv_templates'].items()}})
                except BaseException as e:
                    out.append({'error': type(e).__name__})
            print(json.dumps(out, ensure_ascii=True))
            """;

    @TempDir
    Path dir;

    private record Case(boolean exact, String expression) {
        String source() {
            return HEAD + "register_conv_template(\n    Conversation(\n        name='internvl2_5',\n        system_message=\n"
                    + expression + "\n    )\n)\n";
        }
    }

    @Test
    void literalCasesGivePythonsValueOrAreRefused() throws Exception {
        List<Case> cases = cases();
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            files.add(Files.writeString(dir.resolve("case" + i + ".py"), cases.get(i).source(), StandardCharsets.UTF_8));
        }
        JsonArray python = runPython(files);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            String id = "case " + i + ": " + c.expression();
            if (c.exact()) {
                JsonObject result = python.get(i).getAsJsonObject();
                assertTrue(result.has("templates"), id + " -> Python: " + result);
                String expected = result.getAsJsonObject("templates").get("internvl2_5").getAsString();
                assertEquals(Optional.of(expected), ConversationSource.systemMessage(c.source(), "internvl2_5"), id);
            } else {
                assertThrows(ConversationSource.Unreadable.class,
                        () -> ConversationSource.systemMessage(c.source(), "internvl2_5"), id);
            }
        }
    }

    @Test
    void literalsWithoutPython() throws Exception {
        assertEquals("A·a，\t\\d" + new String(Character.toChars(0x1F600)),
                read("'\\x41\\N{MIDDLE DOT}\\N{latin small letter a}\\uFF0C\\t\\d\\U0001F600'"));
        assertEquals("\\n raw \\' stays", read("r'\\n raw \\' stays'"));
        assertEquals("grouped over lines", read("(\n 'grouped '  # a 'comment'\n \"over lines\"\n)"));
        assertEquals("abcde", read("'a' + 'b' + ('c' 'd') + (('e'))"));
        assertEquals("A\u0000\u0007" + "0x" + "S4", read("'\\101\\0\\7\\60x\\1234'"));
        assertEquals("ends with a quote\"", read("\"\"\"ends with a quote\\\"\"\"\""));
        assertEquals("linecontinued", read("'line\\\ncontinued'"));
        for (String refused : List.of("f'x'", "b'x'", "'a' * 2", "CONSTANT", "('a',)", "'\\ud800'",
                "'\\N{NO SUCH NAME}'", "'\\N{PRIVATE USE AREA E000}'", "'unterminated", "'\\x4'")) {
            assertThrows(ConversationSource.Unreadable.class, () -> read(refused), refused);
        }
    }

    @Test
    void fixtureFilesReadAsPythonRunsThem() throws Exception {
        List<Path> files = List.of(TestData.resource("conversation/internvl2_5-era.py"),
                TestData.resource("conversation/v1_5-era.py"));
        JsonArray python = runPython(files);
        for (int f = 0; f < files.size(); f++) {
            String source = Files.readString(files.get(f), StandardCharsets.UTF_8);
            JsonObject templates = python.get(f).getAsJsonObject().getAsJsonObject("templates");
            assertTrue(templates.size() >= 5, files.get(f) + ": " + templates);
            for (String name : templates.keySet()) {
                assertEquals(Optional.of(templates.get(name).getAsString()), ConversationSource.systemMessage(source, name),
                        files.get(f).getFileName() + " / " + name);
            }
            assertEquals(Optional.empty(), ConversationSource.systemMessage(source, "not-registered"));
        }
    }

    @Test
    void fixtureFilesWithoutPython() throws Exception {
        String era25 = Files.readString(TestData.resource("conversation/internvl2_5-era.py"), StandardCharsets.UTF_8);
        // the class default, not a commented-out line nor a parameter of the same name
        assertEquals(Optional.of(""), ConversationSource.systemMessage(era25, "internvl_zh"));
        assertEquals(Optional.of(ConversationTemplates.INTERNVL2_SYSTEM_MESSAGE),
                ConversationSource.systemMessage(era25, "Hermes-2"));
        String v15 = Files.readString(TestData.resource("conversation/v1_5-era.py"), StandardCharsets.UTF_8);
        assertEquals(Optional.of("Answer the questions."), ConversationSource.systemMessage(v15, "Hermes-2"));
        assertEquals(Optional.of("First half of a fixture message, second half with the user's apostrophe."),
                ConversationSource.systemMessage(v15, "two-lines"));
        assertEquals(Optional.of("- Line one of a fixture message.\n- Line two, with 'single' and \"double\" quotes."),
                ConversationSource.systemMessage(v15, "triple"));
        assertEquals(Optional.of(""), ConversationSource.systemMessage(v15, "no-message"));
    }

    @Test
    void keywordOrderQuotesAndLineEndingsDoNotMatter() throws Exception {
        String file = HEAD + "register_conv_template(Conversation(system_message=\"first\", name=\"internvl2_5\"))\r\n"
                + "register_conv_template(Conversation(\r\n    name='Hermes-2',\r\n    roles=('a', 'b'),\r\n"
                + "    system_message='''two\r\nlines''',\r\n))\r\n";
        assertEquals(Optional.of("first"), ConversationSource.systemMessage(file, "internvl2_5"));
        assertEquals(Optional.of("two\nlines"), ConversationSource.systemMessage(file, "Hermes-2"));
        assertEquals(Optional.of("first"), ConversationSource.systemMessage("\uFEFF" + file, "internvl2_5"));
    }

    @Test
    void theClassDefaultIsTheFilesOwn() throws Exception {
        String file = HEAD.replace("system_message: str = ''", "system_message: str = 'class ' 'default'")
                + "register_conv_template(Conversation(name='internvl2_5', roles=('a', 'b')))\n";
        assertEquals(Optional.of("class default"), ConversationSource.systemMessage(file, "internvl2_5"));
        String otherClass = HEAD + "class Other:\n    system_message: str = 'not the Conversation class'\n\n\n"
                + "register_conv_template(Conversation(name='internvl2_5'))\n";
        assertEquals(Optional.of(""), ConversationSource.systemMessage(otherClass, "internvl2_5"));
        String declaredTwice = HEAD.replace("    roles: tuple", "    system_message: str = 'again'\n    roles: tuple")
                + "register_conv_template(Conversation(name='internvl2_5'))\n";
        assertThrows(ConversationSource.Unreadable.class, () -> ConversationSource.systemMessage(declaredTwice, "internvl2_5"));
        String noClass = "register_conv_template(Conversation(name='internvl2_5'))\n";
        assertThrows(ConversationSource.Unreadable.class, () -> ConversationSource.systemMessage(noClass, "internvl2_5"));
        String noDefault = HEAD.replace("system_message: str = ''", "system_message: str")
                + "register_conv_template(Conversation(name='internvl2_5'))\n";
        assertThrows(ConversationSource.Unreadable.class, () -> ConversationSource.systemMessage(noDefault, "internvl2_5"));
    }

    @Test
    void registrationsThatDependOnRunningTheCodeAreRefused() throws Exception {
        String twice = HEAD + "register_conv_template(Conversation(name='internvl2_5', system_message='a'))\n"
                + "register_conv_template(Conversation(name='internvl2_5', system_message='b'))\n";
        assertThrows(ConversationSource.Unreadable.class, () -> ConversationSource.systemMessage(twice, "internvl2_5"));
        String overridden = HEAD + "register_conv_template(Conversation(name='internvl2_5', system_message='a'))\n"
                + "register_conv_template(Conversation(name='internvl2_5', system_message='b'), override=True)\n";
        assertEquals(Optional.of("b"), ConversationSource.systemMessage(overridden, "internvl2_5"));
        String conditional = HEAD + "if True:\n    register_conv_template(Conversation(name='internvl2_5', system_message='a'))\n";
        assertThrows(ConversationSource.Unreadable.class, () -> ConversationSource.systemMessage(conditional, "internvl2_5"));
        String variable = HEAD + "conv = Conversation(name='internvl2_5', system_message='a')\nregister_conv_template(conv)\n";
        assertThrows(ConversationSource.Unreadable.class, () -> ConversationSource.systemMessage(variable, "internvl2_5"));
        String positional = HEAD + "register_conv_template(Conversation('internvl2_5', '{system_message}', 'a'))\n";
        assertThrows(ConversationSource.Unreadable.class, () -> ConversationSource.systemMessage(positional, "internvl2_5"));
        String notPython = HEAD + "register_conv_template(Conversation(name='internvl2_5', system_message='a'))\n$\n";
        assertThrows(ConversationSource.Unreadable.class, () -> ConversationSource.systemMessage(notPython, "internvl2_5"));
        String changedLater = HEAD + "register_conv_template(Conversation(name='internvl2_5', system_message='a'))\n"
                + "conv_templates['internvl2_5'].system_message = 'b'\n";
        assertThrows(ConversationSource.Unreadable.class, () -> ConversationSource.systemMessage(changedLater, "internvl2_5"));
        String latin1 = "# -*- coding: latin-1 -*-\n" + HEAD
                + "register_conv_template(Conversation(name='internvl2_5', system_message='a'))\n";
        assertThrows(ConversationSource.Unreadable.class, () -> ConversationSource.systemMessage(latin1, "internvl2_5"));
        assertEquals(Optional.of("a"), ConversationSource.systemMessage(latin1.replace("latin-1", "utf-8"), "internvl2_5"));
        assertEquals(Optional.of("a"), ConversationSource.systemMessage("#!/usr/bin/env python\n" + latin1.replace(
                "latin-1", "UTF8"), "internvl2_5"));
        // another template's unreadable message does not matter
        String other = HEAD + "register_conv_template(Conversation(name='Hermes-2', system_message=f'{1}'))\n"
                + "register_conv_template(Conversation(name='internvl2_5', system_message='mine'))\n";
        assertEquals(Optional.of("mine"), ConversationSource.systemMessage(other, "internvl2_5"));
        // nor do a commented-out or a string-quoted registration
        String hidden = HEAD + "# register_conv_template(Conversation(name='internvl2_5', system_message='no'))\n"
                + "NOTE = \"register_conv_template(Conversation(name='internvl2_5', system_message='no'))\"\n"
                + "register_conv_template(Conversation(name='internvl2_5', system_message='yes'))\n";
        assertEquals(Optional.of("yes"), ConversationSource.systemMessage(hidden, "internvl2_5"));
    }

    private static String read(String expression) throws ConversationSource.Unreadable {
        return ConversationSource.systemMessage(new Case(true, expression).source(), "internvl2_5").orElseThrow();
    }

    private static List<Case> cases() throws IOException {
        List<Case> cases = new ArrayList<>();
        Boolean exact = null;
        StringBuilder expression = new StringBuilder();
        List<String> lines = new ArrayList<>(Files.readAllLines(TestData.resource("conversation/literals.txt"),
                StandardCharsets.UTF_8));
        lines.add("== end");
        for (String line : lines) {
            if (line.startsWith("== ")) {
                if (exact != null) {
                    cases.add(new Case(exact, expression.toString().stripTrailing()));
                }
                exact = line.startsWith("== exact");
                expression.setLength(0);
            } else if (exact != null) {
                expression.append(line).append('\n');
            }
        }
        assertTrue(cases.size() > 30, "cases: " + cases.size());
        return cases;
    }

    /** Runs the files with /usr/bin/python3; skips without it, unless CI=true. */
    static JsonArray runPython(List<Path> files) throws IOException, InterruptedException {
        Path python = Path.of("/usr/bin/python3");
        boolean ci = "true".equalsIgnoreCase(System.getenv("CI"));
        if (!Files.isExecutable(python)) {
            if (ci) {
                fail("CI=true but /usr/bin/python3 is missing");
            }
            Assumptions.abort("/usr/bin/python3 is not installed");
        }
        List<String> command = new ArrayList<>(List.of(python.toString(), "-c", PYTHON));
        files.forEach(f -> command.add(f.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "python3 failed: " + out);
        JsonArray result = JsonParser.parseString(out.strip()).getAsJsonArray();
        assertEquals(files.size(), result.size());
        return result;
    }
}
