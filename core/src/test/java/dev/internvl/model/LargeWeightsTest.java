package dev.internvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.checkpoint.TensorInfo;
import dev.internvl.testing.RandomCheckpoint;
import dev.internvl.torch.TorchKernels;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading big weights: a single tensor over 2 GiB (Llama-3-70B's 128k×8192 bf16 embedding is 2 GiB) is mapped by
 * libtorch and used in place, and a sharded checkpoint converted to bf16 ends up holding one copy of the weights,
 * its shard mappings released (loose bounds on the process's resident memory).
 */
class LargeWeightsTest {

    @TempDir
    Path dir;

    @Test
    void aTensorLargerThan2GiBLoadsFromASparseFileAndReadsBackAtTheEnd() throws IOException {
        long rows = 150_000;
        long cols = 4096;                            // 614.4M floats = 2.29 GiB
        String header = "{\"big\":{\"dtype\":\"F32\",\"shape\":[" + rows + "," + cols + "],\"data_offsets\":[0,"
                + rows * cols * 4 + "]}}";
        while ((header.length() + 8) % 8 != 0) {
            header += " ";
        }
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        Path file = dir.resolve("model.safetensors");
        long dataStart = 8 + h.length;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
            f.write(len.array());
            f.write(h);
            f.setLength(dataStart + rows * cols * 4);   // sparse: the rest reads as zeros
            ByteBuffer last = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(3.5f).putFloat(-7.25f);
            f.seek(dataStart + (rows * cols - 2) * 4);   // the last two elements, past 2^31 bytes
            f.write(last.array());
        }
        TensorInfo t = dev.internvl.checkpoint.SafetensorsFile.readHeader(file).get("big");
        assertTrue(t.byteLength() > (1L << 31));
        try (TorchKernels kernels = TorchKernels.load();
                WeightLoader loader = new WeightLoader(kernels, ComputeDType.FP32, "cpu");
                IValue w = loader.load(t);
                PtNDArray nd = w.toTensor(kernels.manager());
                ai.djl.ndarray.NDArray tail = nd.get(new NDIndex((rows - 1) + ", " + (cols - 3) + ":"))) {
            assertEquals(rows, nd.getShape().get(0));
            assertEquals(cols, nd.getShape().get(1));
            float[] v = tail.toFloatArray();
            assertEquals(0f, v[0]);
            assertEquals(3.5f, v[1]);
            assertEquals(-7.25f, v[2]);
        }
    }

    @Test
    void aShardedCheckpointConvertedToBf16HoldsOneCopyAndNoShardMappings() throws IOException {
        // InternLM2 (regrouped wqkv, fused w1/w3): ~59M parameters, 236 MB of F32 in 4 shards.
        RandomCheckpoint.Dims dims = new RandomCheckpoint.Dims(32, 2, 64, 1, 512, 1536, 8, 8, 2, 32064, false)
                .withFamily(LlmConfig.INTERNLM2, true, 32064);
        RandomCheckpoint.write(dir, dims, TensorDType.F32, 1, 4, "internlm2-chat");
        long fileBytes = 0;
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.toString().endsWith(".safetensors")).toList()) {
                fileBytes += Files.size(p);
            }
        }
        long bf16Bytes = fileBytes / 2;
        // warm up libtorch and the kernels on a tiny checkpoint, so that their own pages are not counted
        Path tiny = dir.resolve("tiny");
        RandomCheckpoint.write(tiny, RandomCheckpoint.Dims.tiny().withFamily(LlmConfig.INTERNLM2, true, 512),
                TensorDType.F32, 1, 1, "internlm2-chat");
        try (InternVLModel warm = InternVLModel.load(tiny, ModelOptions.defaults().withDtype(ComputeDType.BF16)
                .languageOnly())) {
            assertEquals(2, warm.decoder().config().numLayers());
        }
        resetPeak();
        long[] before = rss();
        try (InternVLModel model = InternVLModel.load(dir, ModelOptions.defaults().withDtype(ComputeDType.BF16)
                .languageOnly())) {
            long[] after = rss();
            long anon = after[0] - before[0];
            long mapped = after[1] - before[1];
            long peak = after[2] - (before[0] + before[1]);
            System.out.printf("checkpoint %d MB F32 in 4 shards, bf16 weights %d MB: resident anon +%d MB, "
                    + "file-backed +%d MB, peak +%d MB%n", fileBytes >> 20, bf16Bytes >> 20, anon >> 20, mapped >> 20,
                    peak >> 20);
            assertTrue(anon < bf16Bytes * 1.5 + (64L << 20), "anonymous memory grew by " + (anon >> 20) + " MB for "
                    + (bf16Bytes >> 20) + " MB of bf16 weights");
            assertTrue(mapped < fileBytes / 4, "file-backed memory grew by " + (mapped >> 20) + " MB: shard mappings "
                    + "were kept");
            // peak: the bf16 copy plus at most about one shard's mapping (~55 MB) and one layer's temporaries
            assertTrue(peak < bf16Bytes + fileBytes / 2 + (64L << 20), "peak grew by " + (peak >> 20) + " MB");
        }
    }

    /** Resets the peak resident size (VmHWM) of this process. */
    static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException e) {
            // not permitted here: the peak then covers the whole run, and the bound stays loose
        }
    }

    /** RssAnon, RssFile and VmHWM (peak resident size) of this process, in bytes. */
    static long[] rss() throws IOException {
        String status = Files.readString(Path.of("/proc/self/status"));
        return new long[] {field(status, "RssAnon"), field(status, "RssFile"), field(status, "VmHWM")};
    }

    private static long field(String status, String name) {
        Matcher m = Pattern.compile(name + ":\\s+(\\d+) kB").matcher(status);
        assertTrue(m.find(), name);
        return Long.parseLong(m.group(1)) * 1024;
    }
}
