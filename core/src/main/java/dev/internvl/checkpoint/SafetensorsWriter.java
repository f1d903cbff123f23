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
 * Writes float tensors to a {@code .safetensors} file in F32, F16 or BF16 (round to nearest even). Used by the
 * tests and the benchmark to build random-weight checkpoints in the OpenGVLab layout.
 */
public final class SafetensorsWriter {

    private record Entry(long[] shape, float[] data) {
    }

    private final TensorDType dtype;
    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    /** A writer storing every tensor as {@code dtype} (F32, F16 or BF16). */
    public SafetensorsWriter(TensorDType dtype) {
        if (dtype != TensorDType.F32 && dtype != TensorDType.F16 && dtype != TensorDType.BF16) {
            throw new IllegalArgumentException("can write F32, F16 or BF16, not " + dtype);
        }
        this.dtype = dtype;
    }

    /** Adds a tensor; {@code data.length} must equal the product of {@code shape}. */
    public SafetensorsWriter add(String name, float[] data, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(name + ": shape needs " + n + " values, got " + data.length);
        }
        tensors.put(name, new Entry(shape.clone(), data));
        return this;
    }

    /** Total data bytes of the tensors added so far. */
    public long dataBytes() {
        return tensors.values().stream().mapToLong(e -> (long) e.data.length * dtype.bytes()).sum();
    }

    /** Writes the file. */
    public void write(Path file) throws IOException {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", dtype.name());
            JsonArray shape = new JsonArray();
            for (long d : e.getValue().shape) {
                shape.add(d);
            }
            t.add("shape", shape);
            long len = (long) e.getValue().data.length * dtype.bytes();
            JsonArray offs = new JsonArray();
            offs.add(offset);
            offs.add(offset + len);
            t.add("data_offsets", offs);
            header.add(e.getKey(), t);
            offset += len;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // keeps the data 8-byte aligned, as the reference writer does
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : tensors.values()) {
                for (float v : e.data) {
                    if (buf.remaining() < 4) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    switch (dtype) {
                        case F32 -> buf.putFloat(v);
                        case F16 -> buf.putShort(FloatFormats.toF16(v));
                        default -> buf.putShort(FloatFormats.toBf16(v));
                    }
                }
            }
            out.write(buf.array(), 0, buf.position());
        }
    }
}
