package dev.internvl.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads the reference data under {@code src/test/resources/golden}. */
final class GoldenFiles {

    private GoldenFiles() {
    }

    static byte[] bytes(String resource) {
        try (InputStream in = GoldenFiles.class.getResourceAsStream("/golden/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource golden/" + resource);
            }
            byte[] raw = in.readAllBytes();
            if (resource.endsWith(".gz")) {
                try (GZIPInputStream gz = new GZIPInputStream(new java.io.ByteArrayInputStream(raw))) {
                    return gz.readAllBytes();
                }
            }
            return raw;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A raw little-endian float32 file. */
    static float[] floats(String resource) {
        ByteBuffer b = ByteBuffer.wrap(bytes(resource)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    /** Lays a config and a weights file out as a checkpoint folder (config.json + model.safetensors). */
    static Path checkpoint(Path dir, String config, String weights) {
        try {
            Files.write(dir.resolve("config.json"), bytes(config));
            Files.write(dir.resolve("model.safetensors"), bytes(weights));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
