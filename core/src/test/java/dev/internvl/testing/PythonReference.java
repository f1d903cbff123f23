package dev.internvl.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Runs the independent Python references of {@code shared/realckpt/tools} ({@code ref_qwen2.py},
 * {@code ref_internlm2.py}) with {@code /usr/bin/python3}. Tests that use them skip when the folder, the interpreter
 * or its modules are missing, except under {@code CI=true}, where a missing interpreter or module fails.
 */
public final class PythonReference {

    static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final long TIMEOUT_SECONDS = 600;

    /** Runs the script once per file (argv: script, model folder, text file) and collects the printed JSON. */
    private static final String DRIVER = String.join("\n",
            "import contextlib, io, json, runpy, sys",
            "script, model, files = sys.argv[1], sys.argv[2], sys.argv[3:]",
            "out = []",
            "for f in files:",
            "    sys.argv = [script, model, f]",
            "    buf = io.StringIO()",
            "    with contextlib.redirect_stdout(buf):",
            "        runpy.run_path(script, run_name='__main__')",
            "    out.append(json.loads(buf.getvalue()))",
            "print(json.dumps(out))");

    private PythonReference() {
    }

    /** The reference script {@code tools/NAME}; skips unless it and a python that imports {@code modules} exist. */
    public static Path assumeScript(String name, String... modules) {
        Path script = RealCheckpoints.require("tools").resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(script), "no " + script);
        String missing = null;
        if (!Files.isExecutable(PYTHON)) {
            missing = PYTHON + " is missing";
        } else {
            try {
                Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import " + String.join(", ", modules))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    missing = PYTHON + " cannot import " + String.join(", ", modules);
                }
            } catch (IOException e) {
                missing = PYTHON + " does not start: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        if (missing != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail(missing + " (install python3-regex python3-sentencepiece python3-protobuf)");
            }
            Assumptions.assumeTrue(false, missing);
        }
        return script;
    }

    /** The ids the reference {@code script} gives for each text, in one Python process. */
    public static List<long[]> ids(Path script, Path modelDir, List<String> texts, Path workDir) {
        try {
            List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "-c", DRIVER, script.toString(),
                    modelDir.toString()));
            for (int i = 0; i < texts.size(); i++) {
                Path file = workDir.resolve("text-" + i + ".txt");
                Files.write(file, texts.get(i).getBytes(StandardCharsets.UTF_8));
                command.add(file.toString());
            }
            Path out = workDir.resolve("ids.json");
            Path err = workDir.resolve("stderr.txt");
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(script + " ran past " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                fail(script + " failed (exit " + p.exitValue() + "): " + Files.readString(err));
            }
            JsonArray all = JsonParser.parseString(Files.readString(out)).getAsJsonArray();
            List<long[]> ids = new ArrayList<>();
            for (JsonElement e : all) {
                JsonArray one = e.getAsJsonArray();
                long[] row = new long[one.size()];
                for (int i = 0; i < row.length; i++) {
                    row[i] = one.get(i).getAsLong();
                }
                ids.add(row);
            }
            return ids;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
