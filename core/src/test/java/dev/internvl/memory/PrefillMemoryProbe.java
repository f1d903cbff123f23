package dev.internvl.memory;

import dev.internvl.ChatAnswer;
import dev.internvl.ChatRequest;
import dev.internvl.EngineOptions;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a fresh JVM by {@link PrefillMemoryTest}: loads the checkpoint in {@code args[0]}, answers one text question
 * of about {@code args[1]} tokens with one new token, and prints {@code prompt=<tokens> grew=<bytes>}: how far the
 * process's peak resident memory rose above its level after a short warm-up question.
 */
public final class PrefillMemoryProbe {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int words = Integer.parseInt(args[1]);
        try (InternVL engine = InternVL.load(dir, EngineOptions.defaults())) {
            GenerationOptions one = GenerationOptions.builder().maxNewTokens(1).build();
            engine.chat(ChatRequest.builder("warm up " + "a ".repeat(300)).generation(one).build());
            System.gc();
            long before = peakResidentBytes();
            ChatAnswer r = engine.chat(ChatRequest.builder("a ".repeat(words)).generation(one).build());
            long after = peakResidentBytes();
            System.out.println("prompt=" + r.promptTokens() + " grew=" + (after - before));
        }
    }

    /** VmHWM of /proc/self/status: the peak resident set size so far. */
    static long peakResidentBytes() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/self/status");
    }
}
