package dev.internvl.checkpoint;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the header of one {@code .safetensors} file: an unsigned little-endian 64-bit header length, a JSON
 * object {@code name -> {dtype, shape, data_offsets:[begin,end]}} (plus an optional {@code __metadata__}), then
 * the raw data. Only the header is read; every entry is validated against the file size so that a malformed
 * file fails here with a message naming it, not later inside native code.
 */
public final class SafetensorsFile {

    /** Headers larger than this are rejected as malformed (real ones are a few hundred kilobytes). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private SafetensorsFile() {
    }

    /** A validated header: the tensors in header order and the {@code __metadata__} strings (empty when absent). */
    public record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    }

    /** Parses and validates the header of {@code file}; returns its tensors in header order. */
    public static Map<String, TensorInfo> readHeader(Path file) {
        return read(file).tensors();
    }

    /** Parses and validates the header of {@code file}, with its metadata. */
    public static Header read(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw bad(file, "file is " + size + " bytes, too short for a safetensors header");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long headerLen = len.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > size - 8) {
                throw bad(file, "header length " + Long.toUnsignedString(headerLen)
                        + " is impossible for a file of " + size + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8);
            return parse(file, json, 8 + headerLen, size);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file + ": file not found");
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static Header parse(Path file, String json, long dataStart, long fileSize) {
        JsonObject root;
        try {
            JsonElement el = JsonParser.parseString(json.trim());
            if (!el.isJsonObject()) {
                throw bad(file, "header is not a JSON object");
            }
            root = el.getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw bad(file, "header is not valid JSON (" + e.getMessage() + ")");
        }
        long dataLen = fileSize - dataStart;
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                if (e.getValue().isJsonObject()) {
                    for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                        if (m.getValue().isJsonPrimitive()) {
                            metadata.put(m.getKey(), m.getValue().getAsString());
                        }
                    }
                }
                continue;
            }
            try {
                JsonObject t = e.getValue().getAsJsonObject();
                String dt = t.get("dtype").getAsString();
                TensorDType dtype = TensorDType.fromHeader(dt);
                if (dtype == null) {
                    throw bad(file, "tensor " + name + " has unsupported dtype " + dt);
                }
                List<Long> dims = new ArrayList<>();
                for (JsonElement d : t.get("shape").getAsJsonArray()) {
                    long v = d.getAsLong();
                    if (v < 0) {
                        throw bad(file, "tensor " + name + " has a negative dimension");
                    }
                    dims.add(v);
                }
                long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
                long begin = t.get("data_offsets").getAsJsonArray().get(0).getAsLong();
                long end = t.get("data_offsets").getAsJsonArray().get(1).getAsLong();
                TensorInfo info = new TensorInfo(name, file, dataStart + begin, dtype, shape);
                if (begin < 0 || end < begin || end > dataLen) {
                    throw bad(file, "tensor " + name + " data_offsets [" + begin + ", " + end
                            + "] fall outside the " + dataLen + " data bytes");
                }
                if (end - begin != info.byteLength()) {
                    throw bad(file, "tensor " + name + " has " + (end - begin) + " bytes but its shape "
                            + java.util.Arrays.toString(shape) + " of " + dtype + " needs " + info.byteLength());
                }
                out.put(name, info);
            } catch (CheckpointException ce) {
                throw ce;
            } catch (RuntimeException re) {
                throw bad(file, "entry " + name + " is malformed (needs dtype, shape, data_offsets)");
            }
        }
        checkLayout(file, out, dataStart, dataLen);
        return new Header(out, metadata);
    }

    /**
     * The tensors must tile the data exactly, as the safetensors library requires: sorted by offset, each starts
     * where the previous ends (no overlap, which would make two weights share bytes, and no gap), and the last ends
     * at the end of the file.
     */
    private static void checkLayout(Path file, Map<String, TensorInfo> tensors, long dataStart, long dataLen) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(java.util.Comparator.comparingLong(TensorInfo::offset).thenComparingLong(TensorInfo::byteLength));
        long end = 0;
        TensorInfo previous = null;
        for (TensorInfo t : sorted) {
            long begin = t.offset() - dataStart;
            if (begin != end) {
                throw bad(file, begin < end
                        ? "tensor " + t.name() + " (data_offsets from " + begin + ") overlaps " + previous.name()
                                + " (which ends at " + end + ")"
                        : "no tensor covers data bytes " + end + " to " + begin
                                + (previous == null ? "" : " (after " + previous.name() + ")"));
            }
            end = begin + t.byteLength();
            previous = t;
        }
        if (end != dataLen) {
            throw bad(file, "the tensors cover " + end + " of the " + dataLen + " data bytes");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    private static CheckpointException bad(Path file, String what) {
        return new CheckpointException(file + ": malformed safetensors: " + what);
    }
}
