package dev.internvl.cli;

import dev.internvl.checkpoint.FloatFormats;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a GGUF file (version 3, little endian), the model format of llama.cpp: a header (magic {@code GGUF},
 * version, tensor count, key/value count), the key/value metadata, the tensor infos (name, dimensions innermost
 * first, ggml type, offset into the data section), then the data section, which starts at a multiple of
 * {@link #ALIGNMENT} ({@code general.alignment}, written as a key) and holds each tensor at an offset that is a
 * multiple of it too.
 *
 * <p>Metadata is kept in memory (it is small); tensors are given as {@link Values} and streamed into the file a block
 * of rows at a time, encoded as their {@link TensorType} says (the quantized types block by block as ggml's
 * reference quantizers do), so a model never has to fit in the heap.
 */
final class GgufWriter {

    /** Alignment of the data section and of every tensor in it. */
    static final int ALIGNMENT = 32;

    /** GGUF metadata value types (the ids of the file format). */
    static final int UINT8 = 0;
    static final int INT8 = 1;
    static final int UINT16 = 2;
    static final int INT16 = 3;
    static final int UINT32 = 4;
    static final int INT32 = 5;
    static final int FLOAT32 = 6;
    static final int BOOL = 7;
    static final int STRING = 8;
    static final int ARRAY = 9;
    static final int UINT64 = 10;
    static final int INT64 = 11;
    static final int FLOAT64 = 12;

    /** The ggml tensor types this writer encodes, with their ggml ids and block layouts. */
    enum TensorType {
        F32(0, 1, 4),
        F16(1, 1, 2),
        /** 32 values: an fp16 scale d, then 16 bytes of 4-bit codes q (value = (q - 8) * d). */
        Q4_0(2, 32, 18),
        /** 32 values: an fp16 scale d, then 32 signed bytes q (value = q * d). */
        Q8_0(8, 32, 34),
        BF16(30, 1, 2);

        final int id;
        final int blockValues;
        final int blockBytes;

        TensorType(int id, int blockValues, int blockBytes) {
            this.id = id;
            this.blockValues = blockValues;
            this.blockBytes = blockBytes;
        }

        /** Bytes that {@code values} values take (a whole number of blocks). */
        long bytes(long values) {
            return values / blockValues * blockBytes;
        }

        /** Encodes {@code count} values of {@code src} from {@code off} (a whole number of blocks) into {@code out}. */
        void encode(float[] src, int off, int count, ByteBuffer out) {
            switch (this) {
                case F32 -> {
                    for (int i = 0; i < count; i++) {
                        out.putFloat(src[off + i]);
                    }
                }
                case F16 -> {
                    for (int i = 0; i < count; i++) {
                        out.putShort(FloatFormats.toF16(src[off + i]));
                    }
                }
                case BF16 -> {
                    for (int i = 0; i < count; i++) {
                        out.putShort(FloatFormats.toBf16(src[off + i]));
                    }
                }
                case Q8_0 -> {
                    for (int b = 0; b < count; b += 32) {
                        quantizeQ8_0(src, off + b, out);
                    }
                }
                case Q4_0 -> {
                    for (int b = 0; b < count; b += 32) {
                        quantizeQ4_0(src, off + b, out);
                    }
                }
                default -> throw new IllegalStateException(name());
            }
        }
    }

    /** A tensor's values, read a block of rows at a time (a row is the innermost dimension). */
    @FunctionalInterface
    interface Values {
        /** Puts rows {@code first .. first + rows - 1} into {@code dst}, row after row. */
        void read(long first, int rows, float[] dst) throws IOException;
    }

    private record Tensor(String name, TensorType type, long[] shape, Values values, long offset, long bytes) {

        long rows() {
            long n = 1;
            for (int i = 0; i < shape.length - 1; i++) {
                n *= shape[i];
            }
            return n;
        }

        int rowLength() {
            return Math.toIntExact(shape[shape.length - 1]);
        }
    }

    private final List<byte[]> kvs = new ArrayList<>();
    private final Set<String> keys = new HashSet<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();
    private long dataBytes;

    GgufWriter() {
        putUint32("general.alignment", ALIGNMENT);
    }

    GgufWriter putUint32(String key, long value) {
        if (value < 0 || value > 0xffffffffL) {
            throw new IllegalArgumentException(key + ": " + value + " does not fit a uint32");
        }
        return kv(key, UINT32, b -> b.i32((int) value));
    }

    GgufWriter putInt32(String key, int value) {
        return kv(key, INT32, b -> b.i32(value));
    }

    GgufWriter putFloat32(String key, float value) {
        return kv(key, FLOAT32, b -> b.f32(value));
    }

    GgufWriter putBool(String key, boolean value) {
        return kv(key, BOOL, b -> b.u8(value ? 1 : 0));
    }

    GgufWriter putString(String key, String value) {
        return kv(key, STRING, b -> b.str(value));
    }

    GgufWriter putStrings(String key, List<String> values) {
        return kv(key, ARRAY, b -> {
            b.i32(STRING);
            b.i64(values.size());
            values.forEach(b::str);
        });
    }

    GgufWriter putInt32s(String key, int[] values) {
        return kv(key, ARRAY, b -> {
            b.i32(INT32);
            b.i64(values.length);
            for (int v : values) {
                b.i32(v);
            }
        });
    }

    GgufWriter putFloat32s(String key, float[] values) {
        return kv(key, ARRAY, b -> {
            b.i32(FLOAT32);
            b.i64(values.length);
            for (float v : values) {
                b.f32(v);
            }
        });
    }

    private GgufWriter kv(String key, int type, java.util.function.Consumer<Bytes> value) {
        if (!keys.add(key)) {
            throw new IllegalArgumentException("GGUF key " + key + " is given twice");
        }
        Bytes b = new Bytes();
        b.str(key);
        b.i32(type);
        value.accept(b);
        kvs.add(b.toByteArray());
        return this;
    }

    /**
     * Adds a tensor of {@code shape} (outermost first, as PyTorch and safetensors give it; the file stores it
     * innermost first) whose values {@code values} supplies, to be stored as {@code type}.
     *
     * @throws IllegalArgumentException when the innermost dimension is not a whole number of the type's blocks
     */
    GgufWriter addTensor(String name, TensorType type, long[] shape, Values values) {
        if (!tensorNames.add(name)) {
            throw new IllegalArgumentException("GGUF tensor " + name + " is given twice");
        }
        if (shape.length == 0 || shape.length > 4) {
            throw new IllegalArgumentException("GGUF tensor " + name + " has " + shape.length + " dimensions (1..4)");
        }
        long row = shape[shape.length - 1];
        if (row % type.blockValues != 0) {
            throw new IllegalArgumentException("tensor " + name + Arrays.toString(shape) + " cannot be stored as "
                    + type + ": its rows of " + row + " values are not a whole number of " + type.blockValues
                    + "-value blocks");
        }
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        long bytes = type.bytes(n);
        tensors.add(new Tensor(name, type, shape.clone(), values, dataBytes, bytes));
        dataBytes = align(dataBytes + bytes);
        return this;
    }

    /** Number of tensors added. */
    int tensorCount() {
        return tensors.size();
    }

    /** Writes the file: header, metadata, tensor infos, then every tensor's data, read and encoded block by block. */
    void write(Path file) throws IOException {
        Bytes head = new Bytes();
        head.u8('G').u8('G').u8('U').u8('F');
        head.i32(3);
        head.i64(tensors.size());
        head.i64(kvs.size());
        for (byte[] kv : kvs) {
            head.raw(kv);
        }
        for (Tensor t : tensors) {
            head.str(t.name());
            head.i32(t.shape().length);
            for (int i = t.shape().length - 1; i >= 0; i--) {
                head.i64(t.shape()[i]);
            }
            head.i32(t.type().id);
            head.i64(t.offset());
        }
        // written beside the target and moved into place, so that a failure leaves no truncated model behind
        Path part = file.resolveSibling(file.getFileName() + ".part");
        try {
            writeTo(part, head.toByteArray());
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private void writeTo(Path file, byte[] header) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long largestRow = tensors.stream().mapToLong(t -> t.type().bytes(t.rowLength())).max().orElse(0);
            ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.max(1 << 22, largestRow + ALIGNMENT))
                    .order(ByteOrder.LITTLE_ENDIAN);
            long position = 0;
            for (int at = 0; at < header.length; at += buf.capacity()) {
                buf.put(header, at, Math.min(buf.capacity(), header.length - at));
                position += drain(out, buf);
            }
            position += pad(out, buf, position);
            long dataStart = position;
            for (Tensor t : tensors) {
                if (position - dataStart != t.offset()) {
                    throw new IllegalStateException("tensor " + t.name() + " lands at " + (position - dataStart)
                            + " instead of " + t.offset());
                }
                position += writeData(out, buf, t);
                position += pad(out, buf, position);
            }
        }
    }

    private static long writeData(FileChannel out, ByteBuffer buf, Tensor t) throws IOException {
        int row = t.rowLength();
        long rows = t.rows();
        int rowBytes = Math.toIntExact(t.type().bytes(row));
        int perRead = (int) Math.max(1, Math.min(rows, Math.min((1 << 20) / Math.max(1, row),
                buf.capacity() / rowBytes)));
        float[] values = new float[perRead * row];
        long written = 0;
        for (long first = 0; first < rows; first += perRead) {
            int n = (int) Math.min(perRead, rows - first);
            t.values().read(first, n, values);
            for (int r = 0; r < n; r++) {
                if (buf.remaining() < rowBytes) {
                    written += drain(out, buf);
                }
                t.type().encode(values, r * row, row, buf);
            }
        }
        written += drain(out, buf);
        if (written != t.bytes()) {
            throw new IllegalStateException("tensor " + t.name() + ": wrote " + written + " bytes, expected "
                    + t.bytes());
        }
        return written;
    }

    /** Writes zero bytes up to the next multiple of {@link #ALIGNMENT}; returns how many. */
    private static long pad(FileChannel out, ByteBuffer buf, long position) throws IOException {
        int n = (int) (align(position) - position);
        for (int i = 0; i < n; i++) {
            buf.put((byte) 0);
        }
        return drain(out, buf);
    }

    private static long drain(FileChannel out, ByteBuffer buf) throws IOException {
        buf.flip();
        long n = buf.remaining();
        while (buf.hasRemaining()) {
            out.write(buf);
        }
        buf.clear();
        return n;
    }

    static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    /**
     * One Q8_0 block of the 32 values from {@code off}, as ggml's reference quantizer makes it: d = max|x| / 127,
     * q = x * (1/d) rounded half away from zero, d stored as fp16 (round to nearest even).
     */
    static void quantizeQ8_0(float[] x, int off, ByteBuffer out) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[off + j]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1f / d : 0f;
        out.putShort(FloatFormats.toF16(d));
        for (int j = 0; j < 32; j++) {
            out.put((byte) roundHalfAway(x[off + j] * id));
        }
    }

    /**
     * One Q4_0 block of the 32 values from {@code off}, as ggml's reference quantizer makes it: the value of
     * largest magnitude m (with its sign) gives d = m / -8; each code is min(15, trunc(x * (1/d) + 8.5)), values j
     * and j + 16 sharing byte j (low and high nibble); d stored as fp16 (round to nearest even).
     */
    static void quantizeQ4_0(float[] x, int off, ByteBuffer out) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[off + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1f / d : 0f;
        out.putShort(FloatFormats.toF16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[off + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[off + 16 + j] * id + 8.5f));
            out.put((byte) (lo | hi << 4));
        }
    }

    /** C's {@code roundf}: to the nearest integer, halves away from zero (exact for every float, through double). */
    static int roundHalfAway(float v) {
        double r = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -r : r);
    }

    /** A growable little-endian byte buffer for the header and metadata. */
    private static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Bytes u8(int v) {
            out.write(v);
            return this;
        }

        Bytes i32(int v) {
            scratch.clear();
            out.write(scratch.putInt(v).array(), 0, 4);
            return this;
        }

        Bytes i64(long v) {
            scratch.clear();
            out.write(scratch.putLong(v).array(), 0, 8);
            return this;
        }

        Bytes f32(float v) {
            return i32(Float.floatToRawIntBits(v));
        }

        Bytes str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            out.write(b, 0, b.length);
            return this;
        }

        Bytes raw(byte[] b) {
            out.write(b, 0, b.length);
            return this;
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
