package dev.internvl.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prediction behind the log lines around DJL's first-run unpacking of libtorch. */
class NativeLibrariesTest {

    @TempDir
    Path tmp;

    @Test
    void anEmptyEngineCacheMeansUnpackingAndAFilledOneDoesNot() throws Exception {
        String before = System.getProperty("ENGINE_CACHE_DIR");
        System.setProperty("ENGINE_CACHE_DIR", tmp.toString());
        try {
            Optional<NativeLibraries.Extraction> pending = NativeLibraries.pendingExtraction();
            assertTrue(pending.isPresent(), "the test class path carries pytorch-native-cpu");
            NativeLibraries.Extraction e = pending.get();
            assertEquals(tmp.resolve("pytorch"), e.dir().getParent());
            assertTrue(e.dir().getFileName().toString().startsWith(e.version() + "-" + e.flavor() + "-"), e.toString());
            assertTrue(e.bytes() > 100_000_000L, "libtorch's size from the jar: " + e.bytes());

            Files.createDirectories(e.dir());
            Files.createFile(e.dir().resolve(System.mapLibraryName("torch")));
            assertEquals(Optional.empty(), NativeLibraries.pendingExtraction());
        } finally {
            if (before == null) {
                System.clearProperty("ENGINE_CACHE_DIR");
            } else {
                System.setProperty("ENGINE_CACHE_DIR", before);
            }
        }
    }
}
