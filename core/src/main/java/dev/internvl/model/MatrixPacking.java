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
 */
final class MatrixPacking {

    private static final Logger LOG = LoggerFactory.getLogger(MatrixPacking.class);
    private static final Set<String> REQUIRED = Set.of("avx512f", "avx512bw", "avx512vl", "avx512dq");
    private static final Pattern SPACE = Pattern.compile("\\s+");
    private static volatile Boolean available;

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
