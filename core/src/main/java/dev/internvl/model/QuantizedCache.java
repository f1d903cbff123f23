package dev.internvl.model;

import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.CheckpointException;
import dev.internvl.checkpoint.FloatFormats;
import dev.internvl.checkpoint.SafetensorsFile;
import dev.internvl.checkpoint.SafetensorsWriter;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.checkpoint.TensorInfo;
import dev.internvl.torch.ScalarType;
import dev.internvl.torch.TorchKernels;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A quantized decoder kept on disk, so that a later load maps it (read-only, private mapping, like the checkpoint)
 * instead of reading every bf16 matrix and quantizing it again: the load then takes about as long as a bf16 one,
 * and the bf16 matrices are never touched, so their pages never become resident.
 *
 * <p>One safetensors file per checkpoint, quantization and compute dtype, by default in an {@code internvl-cache}
 * folder inside the checkpoint folder ({@link #AUTO}), or under a folder of the caller's. It holds the decoder's
 * weight and scale lists exactly as the kernels use them ({@code w.I} and {@code s.I}, entries shared with an
 * earlier index recorded in the metadata), and a key: the cache format, the libtorch version, the signature of
 * libtorch's int4 packing on this CPU (it differs between AVX-512 and AVX2 builds), the quantization, the dtype, and
 * the name, size and modification time of config.json and every weight file. A file whose key differs, or that is
 * malformed, is ignored and replaced. Writing goes to a temporary file renamed into place, so a crash or a second
 * process never leaves a half-written cache; a folder that cannot be written (a read-only model store) costs a
 * warning and the quantization at every load, nothing else. Only for a decoder wholly on the CPU (the packed int4
 * layout is the CPU's).
 */
final class QuantizedCache {

    /** The default: a folder {@value #FOLDER} inside the checkpoint folder. */
    static final String AUTO = "auto";
    /** No cache: quantize at every load. */
    static final String OFF = "off";
    static final String FOLDER = "internvl-cache";
    private static final String FORMAT = "1";
    private static final int ALIGN = SafetensorsWriter.RAW_ALIGN;
    private static final Logger LOG = LoggerFactory.getLogger(QuantizedCache.class);

    private final Path file;
    private final String key;

    private QuantizedCache(Path file, String key) {
        this.file = file;
        this.key = key;
    }

    /** The decoder's weight and scale lists as read from a cache file; the caller owns both. */
    record Lists(WeightLoader.WeightList weights, WeightLoader.WeightList scales) {
    }

    /**
     * The cache of this checkpoint's decoder, or null when there is none to use: no quantization, caching
     * {@link #OFF}, or a decoder not wholly on the CPU.
     */
    static QuantizedCache of(Checkpoint ckpt, String setting, Quantization q, ComputeDType dtype, DeviceMap devices,
            TorchKernels kernels) {
        if (!q.enabled() || OFF.equalsIgnoreCase(setting.strip())) {
            return null;
        }
        if (!devices.decoderOn("cpu")) {
            LOG.debug("no quantized-weight cache: the decoder is not wholly on the CPU ({})", devices.devices());
            return null;
        }
        Path dir = AUTO.equalsIgnoreCase(setting.strip()) ? ckpt.dir().resolve(FOLDER)
                : Path.of(setting.strip()).resolve(sha256(ckpt.dir().toAbsolutePath().normalize().toString())
                        .substring(0, 16));
        String name = "decoder-" + q.toString().replace(':', '-') + "-" + dtype + ".safetensors";
        return new QuantizedCache(dir.resolve(name), key(ckpt, q, dtype, kernels));
    }

    private static String key(Checkpoint ckpt, Quantization q, ComputeDType dtype, TorchKernels kernels) {
        StringBuilder k = new StringBuilder("format=").append(FORMAT);
        k.append(";torch=").append(ai.djl.engine.Engine.getEngine("PyTorch").getVersion());
        if (q.bits() == 4) {
            try (IValue sig = kernels.call("int4_pack_signature")) {
                k.append(";int4pack=").append(sig.toLong());
            }
        }
        k.append(";quantization=").append(q).append(";dtype=").append(dtype);
        List<Path> files = new ArrayList<>(List.of(ckpt.dir().resolve("config.json")));
        files.addAll(ckpt.files());
        for (Path f : files) {
            try {
                k.append(';').append(f.getFileName()).append('=').append(Files.size(f)).append('@')
                        .append(Files.getLastModifiedTime(f).toMillis());
            } catch (IOException e) {
                throw new CheckpointException(f + ": cannot read its size and time (" + e.getMessage() + ")", e);
            }
        }
        return k.toString();
    }

    /**
     * The weight and scale lists from the cache file, or null when there is no file, or it was written for another
     * checkpoint state, quantization or libtorch, or it is malformed (then it is logged and will be replaced).
     */
    Lists load(WeightLoader loader) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        SafetensorsFile.Header header;
        try {
            header = SafetensorsFile.read(file);
        } catch (CheckpointException e) {
            LOG.warn("ignoring the quantized-weight cache {}: {}", file, e.getMessage());
            return null;
        }
        if (!key.equals(header.metadata().get("key"))) {
            LOG.info("the quantized-weight cache {} was made for another checkpoint, quantization or libtorch; "
                    + "quantizing again", file);
            return null;
        }
        WeightLoader.WeightList w = loader.newList();
        WeightLoader.WeightList s = loader.newList();
        try {
            int count = Integer.parseInt(header.metadata().getOrDefault("count", "-1"));
            Map<Integer, Integer> same = sameAs(header.metadata().getOrDefault("same", ""));
            for (int i = 0; i < count; i++) {
                add(w, header, "w.", i, same);
                add(s, header, "s.", i, same);
            }
            long stored = header.tensors().keySet().stream().filter(n -> !n.startsWith("pad.")).count();
            if (count <= 0 || stored != 2L * (count - same.size())) {
                throw new CheckpointException(file + ": holds " + stored + " tensors, its metadata says " + count
                        + " slots");
            }
            return new Lists(w, s);
        } catch (RuntimeException e) {
            w.close();
            s.close();
            LOG.warn("ignoring the quantized-weight cache {}: {}", file, e.getMessage());
            return null;
        }
    }

    private static void add(WeightLoader.WeightList list, SafetensorsFile.Header header, String prefix, int i,
            Map<Integer, Integer> same) {
        Integer earlier = same.get(i);
        if (earlier != null) {
            list.addSameAs(earlier);
            return;
        }
        TensorInfo t = header.tensors().get(prefix + i);
        if (t == null) {
            throw new CheckpointException("no tensor " + prefix + i);
        }
        if (t.offset() % ALIGN != 0) {
            throw new CheckpointException("tensor " + prefix + i + " is not " + ALIGN + "-byte aligned");
        }
        list.addStored(t);
    }

    private static Map<Integer, Integer> sameAs(String spec) {
        Map<Integer, Integer> out = new LinkedHashMap<>();
        for (String pair : spec.split(",")) {
            if (!pair.isBlank()) {
                String[] ij = pair.split("=");
                int i = Integer.parseInt(ij[0].strip());
                int j = Integer.parseInt(ij[1].strip());
                if (j < 0 || j >= i) {
                    throw new CheckpointException("slot " + i + " cannot share slot " + j);
                }
                out.put(i, j);
            }
        }
        return out;
    }

    /**
     * Writes the decoder's quantized lists to the cache file ({@code sameAs}: slots that hold the same tensor as an
     * earlier slot, a tied int8 head, stored once); failures (a read-only folder, a full disk) are logged
     * and leave no file behind.
     */
    void store(TorchKernels kernels, IValue weights, IValue scales, Map<Integer, Integer> sameAs) {
        Path tmp = null;
        IValue[] w = weights.toIValueArray();
        IValue[] s = scales.toIValueArray();
        try {
            Files.createDirectories(file.getParent());
            long[] wTypes;
            long[] sTypes;
            try (IValue wt = kernels.call("dtype_codes", weights);
                    IValue st = kernels.call("dtype_codes", scales)) {
                wTypes = wt.toLongArray();
                sTypes = st.toLongArray();
            }
            List<SafetensorsWriter.RawTensor> tensors = new ArrayList<>();
            StringBuilder same = new StringBuilder();
            for (int i = 0; i < w.length; i++) {
                if (sameAs.containsKey(i)) {
                    same.append(same.length() == 0 ? "" : ",").append(i).append('=').append(sameAs.get(i));
                    continue;
                }
                tensors.add(raw(kernels, "w." + i, w[i], wTypes[i]));
                tensors.add(raw(kernels, "s." + i, s[i], sTypes[i]));
            }
            long bytes = tensors.stream().mapToLong(SafetensorsWriter.RawTensor::bytes).sum();
            long free = Files.getFileStore(file.getParent()).getUsableSpace();
            if (free < bytes + (64L << 20)) {
                LOG.warn("not caching the quantized decoder in {}: it needs {} MB, {} MB are free", file.getParent(),
                        bytes >> 20, free >> 20);
                return;
            }
            tensors = aligned(tensors);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "internvl quantized decoder " + FORMAT);
            meta.put("key", key);
            meta.put("count", Integer.toString(w.length));
            meta.put("same", same.toString());
            tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            SafetensorsWriter.writeRaw(tmp, meta, tensors);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("cached the quantized decoder in {} ({} MB); later loads map it", file, Files.size(file) >> 20);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not cache the quantized decoder in {} ({}); it is quantized again at every load (set the "
                    + "quantization cache to a writable folder, or off)", file, e.toString());
        } finally {
            for (IValue v : w) {
                v.close();
            }
            for (IValue v : s) {
                v.close();
            }
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless: the next store creates a new one
                }
            }
        }
    }

    /**
     * {@code tensors} with padding entries ({@code pad.N}, uint8) between them so that each starts 64-byte aligned
     * in the file (the data section starts so aligned, and the mapping on a page). The kernels read the mapped
     * weights in place, and libtorch's int8 matrix kernel uses aligned vector loads: an int8 head 2 bytes off
     * crashed the JVM (SIGSEGV in {@code int8pack_mm_kernel_}) in this project's tests. The loader refuses a file
     * not so aligned.
     */
    private static List<SafetensorsWriter.RawTensor> aligned(List<SafetensorsWriter.RawTensor> tensors) {
        List<SafetensorsWriter.RawTensor> out = new ArrayList<>();
        long offset = 0;
        for (SafetensorsWriter.RawTensor t : tensors) {
            long gap = (ALIGN - offset % ALIGN) % ALIGN;
            if (gap > 0) {
                out.add(new SafetensorsWriter.RawTensor("pad." + out.size(), TensorDType.U8, new long[] {gap},
                        o -> o.write(new byte[(int) gap])));
                offset += gap;
            }
            out.add(t);
            offset += t.bytes();
        }
        return out;
    }

    /** Tensor {@code t} (a libtorch ScalarType code {@code type}) as a safetensors entry written from its bytes. */
    private static SafetensorsWriter.RawTensor raw(TorchKernels kernels, String name, IValue t, long type) {
        ScalarType scalar = ScalarType.of((int) type);
        TensorDType dtype = java.util.Arrays.stream(TensorDType.values())
                .filter(d -> scalar != null && WeightLoader.storedType(d) == scalar).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " has the unexpected dtype code " + type));
        long[] shape;
        try (PtNDArray a = t.toTensor(kernels.manager())) {
            shape = a.getShape().getShape();
        }
        return new SafetensorsWriter.RawTensor(name, dtype, shape, out -> {
            // DJL has no bf16 buffers: 16-bit floats come as float32 (exact) and are narrowed back here
            boolean widen = dtype == TensorDType.BF16 || dtype == TensorDType.F16;
            try (IValue data = kernels.call("contiguous_cpu", t, widen); PtNDArray b = data.toTensor(kernels.manager())) {
                if (b.size() == 0) {
                    return;
                }
                ByteBuffer bytes;
                if (widen) {
                    float[] f = b.toFloatArray();
                    bytes = ByteBuffer.allocate(f.length * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    for (float v : f) {
                        bytes.putShort(dtype == TensorDType.BF16 ? FloatFormats.toBf16(v) : FloatFormats.toF16(v));
                    }
                    bytes.flip();
                } else {
                    bytes = b.toByteBuffer();
                }
                WritableByteChannel ch = Channels.newChannel(out);
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
            }
        });
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
