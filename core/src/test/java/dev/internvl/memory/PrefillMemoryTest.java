package dev.internvl.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.internvl.testing.TinyModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long prompt's prefill takes memory that grows linearly with its length, not with its square: each prompt size
 * runs in its own JVM ({@link PrefillMemoryProbe}) and the rise of the process's peak resident memory is compared.
 */
class PrefillMemoryTest {

    @TempDir
    Path dir;

    @Test
    void prefillMemoryGrowsLinearlyWithThePrompt() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")), "needs Linux /proc");
        TinyModel.write(dir);
        long[] small = probe(4000);
        long[] large = probe(16000);
        assertTrue(large[0] >= 16000 && small[0] >= 4000, "prompt tokens " + small[0] + ", " + large[0]);
        // 4x the prompt: a quadratic workspace (the [T, T] mask and scores) would take 16x the memory.
        double ratio = (double) large[1] / Math.max(small[1], 1);
        System.out.println("prefill peak growth: " + small[0] + " tokens +" + small[1] / 1024 + " KiB, " + large[0]
                + " tokens +" + large[1] / 1024 + " KiB");
        assertTrue(large[1] < 400L << 20, "a " + large[0] + "-token prefill raised the peak by " + large[1] + " bytes");
        assertTrue(ratio < 8, "4x the prompt took " + ratio + "x the memory (" + small[1] + " -> " + large[1] + ")");
    }

    /** {prompt tokens, peak growth in bytes} of one probe JVM. */
    private long[] probe(int words) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), PrefillMemoryProbe.class.getName(),
                dir.toString(), String.valueOf(words)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "probe timed out");
        assertEquals(0, p.exitValue(), out);
        String line = out.lines().filter(l -> l.startsWith("prompt=")).findFirst().orElseThrow(() ->
                new AssertionError("no result line in: " + out));
        String[] parts = line.split("[ =]");
        return new long[] {Long.parseLong(parts[1]), Long.parseLong(parts[3])};
    }
}
