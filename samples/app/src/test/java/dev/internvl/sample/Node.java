package dev.internvl.sample;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The test scripts of {@code src/test/node}: copied to {@code target/node}, their npm packages installed there with
 * {@code npm ci} from the committed lockfile (once per lockfile), run with {@code node}. Missing tools fail the test
 * when {@code CI=true} and skip it, with the reason, elsewhere.
 */
final class Node {

    static final Path SOURCES = Path.of("src/test/node");
    static final Path DIR = Path.of("target/node");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private static boolean installed;

    private Node() {
    }

    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Fails under CI, skips elsewhere. */
    static void unavailable(String why) {
        if (ci()) {
            fail(why + " (CI=true: the node and browser tests must run; .ci/run installs what they need)");
        }
        Assumptions.abort(why + "; skipped (set CI=true to make this a failure)");
    }

    static Optional<Path> onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(File.pathSeparator)).filter(d -> !d.isEmpty()).map(d -> Path.of(d, program))
                .filter(Files::isExecutable).findFirst();
    }

    /** Chromium where the browser test launches it. */
    static void requireChromium() {
        if (!Files.isExecutable(CHROMIUM)) {
            unavailable(CHROMIUM + " not found: install Debian's chromium (apt-get install -y chromium)");
        }
    }

    /** node, npm and the packages of the lockfile, installed in target/node. */
    static synchronized void requirePackages() {
        if (onPath("node").isEmpty() || onPath("npm").isEmpty()) {
            unavailable("node and npm not found on the PATH");
        }
        try {
            Files.createDirectories(DIR);
            try (Stream<Path> files = Files.list(SOURCES)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    Files.copy(f, DIR.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            if (installed) {
                return;
            }
            Path lock = SOURCES.resolve("package-lock.json");
            Path stamp = DIR.resolve("node_modules/.installed-from-lock");
            if (!Files.exists(stamp) || Files.mismatch(lock, stamp) != -1) {
                Result r = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), Duration.ofMinutes(3));
                if (r.exitCode() != 0) {
                    unavailable("npm ci failed in " + DIR + " (exit " + r.exitCode() + "):\n" + r.output());
                }
                Files.copy(lock, stamp, StandardCopyOption.REPLACE_EXISTING);
            }
            installed = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Result(int exitCode, String output) {
    }

    /** Runs {@code node script} in target/node with {@code env} added; stdout and stderr together. */
    static Result node(String script, Map<String, String> env, Duration timeout) {
        return run(List.of("node", script), env, timeout);
    }

    static Result run(List<String> command, Map<String, String> env, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            StringBuilder out = new StringBuilder();
            Thread reader = new Thread(() -> {
                try (InputStream in = p.getInputStream()) {
                    out.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    out.append("\n(reading output failed: ").append(e).append(')');
                }
            });
            reader.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                reader.join(5000);
                return new Result(-1, out + "\n(timed out after " + timeout + ")");
            }
            reader.join(10_000);
            return new Result(p.exitValue(), out.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
