package dev.internvl.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The real configuration and tokenizer files of published checkpoints (no weights) in {@code shared/realckpt}
 * beside the repository, where the machine has them (CI does). They are never copied into the project: tests read
 * them in place and are skipped where the folder is absent, except under {@code CI=true}, where its absence fails.
 */
public final class RealCheckpoints {

    private RealCheckpoints() {
    }

    /** The {@code shared/realckpt} folder found by walking up from the working directory, if any. */
    public static Optional<Path> root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("shared").resolve("realckpt");
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The folder {@code name} of {@code shared/realckpt} (e.g. {@code InternVL2-1B}); skips the test without it. */
    public static Path require(String name) {
        Optional<Path> root = root();
        if (root.isEmpty() && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("shared/realckpt is missing beside the repository (CI=true)");
        }
        assumeTrue(root.isPresent(), "shared/realckpt is not on this machine");
        Path dir = root.get().resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException(dir + " is missing from shared/realckpt");
        }
        return dir;
    }
}
