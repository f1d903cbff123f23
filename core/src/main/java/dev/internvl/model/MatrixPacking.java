package dev.internvl.model;

import dev.internvl.torch.TorchException;
import dev.internvl.torch.TorchKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether bf16 matrices on the CPU are packed into oneDNN's blocked layout ({@code pack_matrix} in
 * {@code weights.ts.py}; engine.md, "Packed bf16 matrices"). libtorch routes bf16 {@code linear} to oneDNN only on
 * x86-64 CPUs with AVX-512 (F, BW, VL, DQ); elsewhere oneDNN's bf16 kernels are reference code, so the weights stay
 * plain there. Read from {@code /proc/cpuinfo} (Linux), then checked once by packing and using a small matrix.
 *
 * <p>Packed matrices are anonymous memory where plain ones are pages of the mapped checkpoint that the kernel can
 * drop and read again: a model that only fits as a mapping (larger than the free memory) would be killed for memory
 * if it were packed. So a part is packed only when its matrices take at most {@link #SHARE} of the memory available
 * at that moment ({@code MemAvailable}, and the room left under a cgroup v2 memory limit).
 */
final class MatrixPacking {

    private static final Logger LOG = LoggerFactory.getLogger(MatrixPacking.class);
    private static final Set<String> REQUIRED = Set.of("avx512f", "avx512bw", "avx512vl", "avx512dq");
    private static final Pattern SPACE = Pattern.compile("\\s+");
    private static volatile Boolean available;
    /** The most of the available memory packed copies may take; the rest is for the KV cache and activations. */
    static final double SHARE = 0.8;

    private MatrixPacking() {
    }

    /** Whether this machine packs bf16 CPU matrices (checked once per JVM). */
    static boolean available(TorchKernels kernels) {
        Boolean a = available;
        if (a == null) {
            synchronized (MatrixPacking.class) {
                a = available;
                if (a == null) {
                    a = cpuQualifies(System.getProperty("os.arch", ""), Path.of("/proc/cpuinfo")) && probe(kernels);
                    available = a;
                }
            }
        }
        return a;
    }

    /** Whether the CPU has the AVX-512 subsets oneDNN's bf16 matrix kernels need, from a cpuinfo file. */
    static boolean cpuQualifies(String osArch, Path cpuinfo) {
        String arch = osArch.toLowerCase(Locale.ROOT);
        if (!arch.equals("amd64") && !arch.equals("x86_64") || !Files.isReadable(cpuinfo)) {
            return false;
        }
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                if (line.startsWith("flags")) {
                    int colon = line.indexOf(':');
                    Set<String> flags = Set.of(SPACE.split(line.substring(colon + 1).strip()));
                    return flags.containsAll(REQUIRED);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read {}: {}", cpuinfo, e.toString());
        }
        return false;
    }

    /**
     * Whether {@code bytes} of packed copies of {@code what} fit in the memory available now (logs why not); true
     * where the available memory cannot be read.
     */
    static boolean fits(long bytes, String what) {
        java.util.OptionalLong free = availableMemory(Path.of("/proc/meminfo"), Path.of("/sys/fs/cgroup"));
        if (fits(bytes, free)) {
            return true;
        }
        LOG.warn("{}: packed matrices would take {} MB of the {} MB of memory available; they stay unpacked (about "
                + "half the decode speed, and the checkpoint's pages can be dropped under memory pressure)", what,
                bytes / 1_000_000, free.getAsLong() / 1_000_000);
        return false;
    }

    static boolean fits(long bytes, java.util.OptionalLong available) {
        return available.isEmpty() || bytes <= available.getAsLong() * SHARE;
    }

    /**
     * The memory a process can still take: {@code MemAvailable} of {@code meminfo}, and under a cgroup v2 memory
     * limit ({@code memory.max} in {@code cgroup}) that limit less {@code memory.current}, whichever is less; empty
     * where neither can be read.
     */
    static java.util.OptionalLong availableMemory(Path meminfo, Path cgroup) {
        long best = Long.MAX_VALUE;
        try {
            if (Files.isReadable(meminfo)) {
                for (String line : Files.readAllLines(meminfo)) {
                    if (line.startsWith("MemAvailable:")) {
                        String[] f = SPACE.split(line.strip());
                        best = Math.min(best, Long.parseLong(f[1]) * 1024); // kB
                    }
                }
            }
            Path max = cgroup.resolve("memory.max");
            Path current = cgroup.resolve("memory.current");
            if (Files.isReadable(max) && Files.isReadable(current)) {
                String limit = Files.readString(max).strip();
                if (!limit.equals("max")) {
                    best = Math.min(best, Math.max(0, Long.parseLong(limit) - Long.parseLong(
                            Files.readString(current).strip())));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read the available memory: {}", e.toString());
        }
        return best == Long.MAX_VALUE ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(best);
    }

    private static boolean probe(TorchKernels kernels) {
        try (var ok = kernels.call("pack_probe")) {
            if (ok.toBoolean()) {
                return true;
            }
            LOG.warn("packed bf16 matrices gave a wrong product in this libtorch; bf16 weights stay unpacked");
        } catch (TorchException e) {
            LOG.warn("this libtorch cannot pack bf16 matrices ({}); bf16 weights stay unpacked", e.getMessage());
        }
        return false;
    }
}
