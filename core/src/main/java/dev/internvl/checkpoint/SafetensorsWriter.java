package dev.internvl.checkpoint;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes float tensors to a {@code .safetensors} file in F32, F16 or BF16 (round to nearest even). Values are
 * produced chunk by chunk while writing, so multi-gigabyte random checkpoints (tests, benchmark) never sit in
 * the heap. {@link #writeRaw} writes tensors of any element type from their bytes.
 */
public final class SafetensorsWriter {

    /** Produces the values of one tensor, a chunk at a time, in row-major order. */
    @FunctionalInterface
    public interface Values {
        /** Fills {@code chunk} with the values at flat indices {@code start .. start + chunk.length - 1}. */
        void fill(float[] chunk, long start);
    }

    private record Entry(long[] shape, long numel, Values values) {
    }

    private static final int CHUNK = 1 << 16;

    private final TensorDType dtype;
    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    /** A writer storing every tensor as {@code dtype} (F32, F16 or BF16). */
    public SafetensorsWriter(TensorDType dtype) {
        if (dtype != TensorDType.F32 && dtype != TensorDType.F16 && dtype != TensorDType.BF16) {
            throw new IllegalArgumentException("can write F32, F16 or BF16, not " + dtype);
        }
        this.dtype = dtype;
    }

    /** Adds a tensor whose values are computed while writing. */
    public SafetensorsWriter add(String name, Values values, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        tensors.put(name, new Entry(shape.clone(), n, values));
        return this;
    }

    /** Adds a tensor from an array; {@code data.length} must equal the product of {@code shape}. */
    public SafetensorsWriter add(String name, float[] data, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(name + ": shape needs " + n + " values, got " + data.length);
        }
        return add(name, (chunk, start) -> System.arraycopy(data, (int) start, chunk, 0, chunk.length), shape);
    }

    /** Total data bytes of the tensors added so far. */
    public long dataBytes() {
        return tensors.values().stream().mapToLong(e -> e.numel * dtype.bytes()).sum();
    }

    /** One tensor of {@link #writeRaw}: its little-endian bytes come from {@code data} while writing. */
    public record RawTensor(String name, TensorDType dtype, long[] shape, RawData data) {

        /** The data bytes its shape needs. */
        public long bytes() {
            long n = dtype.bytes();
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** Writes a tensor's bytes to the stream. */
    @FunctionalInterface
    public interface RawData {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Where {@link #writeRaw}'s data section starts: a multiple of this many bytes (a cache line). */
    public static final int RAW_ALIGN = 64;

    /**
     * Writes {@code tensors} in order, with {@code metadata} as the header's {@code __metadata__}. The data section
     * starts at a multiple of {@link #RAW_ALIGN} bytes, so a tensor is as aligned in the file as its offset in the
     * data is. Each tensor's data must write exactly its shape's bytes.
     */
    public static void writeRaw(Path file, Map<String, String> metadata, java.util.List<RawTensor> tensors)
            throws IOException {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        metadata.forEach(meta::addProperty);
        header.add("__metadata__", meta);
        long offset = 0;
        for (RawTensor t : tensors) {
            offset = entry(header, t.name(), t.dtype(), t.shape(), offset, t.bytes());
        }
        try (CountingStream out = new CountingStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 20))) {
            writeHeader(out, header, RAW_ALIGN);
            for (RawTensor t : tensors) {
                long before = out.count;
                t.data().writeTo(out);
                if (out.count - before != t.bytes()) {
                    throw new IOException(t.name() + ": wrote " + (out.count - before) + " bytes, its shape needs "
                            + t.bytes());
                }
            }
        }
    }

    private static long entry(JsonObject header, String name, TensorDType dtype, long[] dims, long offset, long len) {
        JsonObject t = new JsonObject();
        t.addProperty("dtype", dtype.name());
        JsonArray shape = new JsonArray();
        for (long d : dims) {
            shape.add(d);
        }
        t.add("shape", shape);
        JsonArray offs = new JsonArray();
        offs.add(offset);
        offs.add(offset + len);
        t.add("data_offsets", offs);
        header.add(name, t);
        return offset + len;
    }

    private static void writeHeader(OutputStream out, JsonObject header, int align) throws IOException {
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        // the data starts at 8 + padded: align it (the reference writer keeps it 8-byte aligned)
        int padded = (int) ((8 + json.length + align - 1) / align * align - 8);
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(json);
        for (int i = json.length; i < padded; i++) {
            out.write(' ');
        }
    }

    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    /** Writes the file. */
    public void write(Path file) throws IOException {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            offset = entry(header, e.getKey(), dtype, e.getValue().shape, offset, e.getValue().numel * dtype.bytes());
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            writeHeader(out, header, 8);
            ByteBuffer buf = ByteBuffer.allocate(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
            float[] chunk = new float[CHUNK];
            for (Entry e : tensors.values()) {
                for (long start = 0; start < e.numel; start += CHUNK) {
                    int n = (int) Math.min(CHUNK, e.numel - start);
                    float[] c = n == CHUNK ? chunk : new float[n];
                    e.values.fill(c, start);
                    buf.clear();
                    for (int i = 0; i < n; i++) {
                        switch (dtype) {
                            case F32 -> buf.putFloat(c[i]);
                            case F16 -> buf.putShort(FloatFormats.toF16(c[i]));
                            default -> buf.putShort(FloatFormats.toBf16(c[i]));
                        }
                    }
                    out.write(buf.array(), 0, buf.position());
                }
            }
        }
    }
}
