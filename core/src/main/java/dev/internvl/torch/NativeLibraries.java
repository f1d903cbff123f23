package dev.internvl.torch;

import ai.djl.util.Platform;
import ai.djl.util.Utils;
import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes DJL's one-time unpacking of libtorch visible. The first time the PyTorch engine starts on a machine, DJL copies
 * the native libraries (about 450 MB for the CPU build) out of the {@code pytorch-native-*} jar on the class path into
 * its cache ({@code ~/.djl.ai/pytorch/<version>-<flavor>-<platform>}, or under {@code DJL_CACHE_DIR} /
 * {@code ENGINE_CACHE_DIR}), which takes a while with no sign of life. This class predicts that step the way DJL's
 * {@code LibUtils} decides it and logs a line before and after it; later starts find the folder and log nothing.
 */
public final class NativeLibraries {

    private static final Logger log = LoggerFactory.getLogger(NativeLibraries.class);

    /**
     * An unpacking DJL is about to do.
     *
     * @param dir where the libraries go
     * @param version the libtorch version
     * @param flavor the build (cpu, cu124, ...)
     * @param classifier the platform (linux-x86_64, ...)
     * @param bytes the size of the libraries, or -1 if unknown
     */
    public record Extraction(Path dir, String version, String flavor, String classifier, long bytes) {
    }

    private NativeLibraries() {
    }

    /** Runs {@code start} (what makes DJL load libtorch), with a log line before and after a first-run unpacking. */
    public static <T> T loading(Supplier<T> start) {
        Optional<Extraction> pending = pendingExtraction();
        if (pending.isEmpty()) {
            return start.get();
        }
        Extraction e = pending.get();
        log.info("Unpacking libtorch {} ({}, {}{}) from the class path into {}: DJL does this once per machine and "
                + "version, later starts reuse the folder (set DJL_CACHE_DIR to put it elsewhere)", e.version(),
                e.flavor(), e.classifier(), e.bytes() > 0 ? ", " + megabytes(e.bytes()) : "", e.dir());
        long t0 = System.nanoTime();
        T result = start.get();
        log.info("Unpacked libtorch into {} in {} s", e.dir(), (System.nanoTime() - t0) / 1_000_000_000L);
        return result;
    }

    /** The unpacking DJL will do when the PyTorch engine starts, if any (never throws). */
    public static Optional<Extraction> pendingExtraction() {
        try {
            if (System.getenv("PYTORCH_LIBRARY_PATH") != null || onLibraryPath()) {
                return Optional.empty(); // DJL uses that libtorch where it is
            }
            Platform platform = Platform.detectPlatform("pytorch");
            if (platform.isPlaceholder()) {
                return Optional.empty(); // no native jar: DJL downloads instead (or fails when offline)
            }
            String flavor = platform.getFlavor();
            if (!flavor.endsWith("-precxx11") && Arrays.asList(platform.getLibraries()).contains("libstdc++.so.6")) {
                flavor += "-precxx11";
            }
            Path dir = Utils.getEngineCacheDir("pytorch")
                    .resolve(platform.getVersion() + '-' + flavor + '-' + platform.getClassifier());
            if (Files.exists(dir.resolve(System.mapLibraryName("torch")))) {
                return Optional.empty();
            }
            long bytes = 0;
            for (String file : platform.getLibraries()) {
                // DJL 0.3x jars keep the libraries under pytorch/<flavor>/<platform>/, older ones under native/lib/
                URL url = NativeLibraries.class.getResource("/pytorch/" + platform.getFlavor() + "/"
                        + platform.getClassifier() + "/" + file);
                if (url == null) {
                    url = NativeLibraries.class.getResource("/native/lib/" + file);
                }
                long n = url == null ? -1 : url.openConnection().getContentLengthLong();
                if (n < 0) {
                    bytes = -1;
                    break;
                }
                bytes += n;
            }
            return Optional.of(new Extraction(dir, platform.getVersion(), flavor, platform.getClassifier(), bytes));
        } catch (Exception | LinkageError e) {
            return Optional.empty(); // only a log line is at stake
        }
    }

    private static boolean onLibraryPath() {
        String path = System.getProperty("java.library.path");
        if (path == null) {
            return false;
        }
        String name = System.mapLibraryName("torch");
        for (String p : path.split(File.pathSeparator)) {
            if (!p.isEmpty() && Files.isRegularFile(Path.of(p).resolve(name))) {
                return true;
            }
        }
        return false;
    }

    private static String megabytes(long bytes) {
        return (bytes + 500_000) / 1_000_000 + " MB";
    }
}
