package dev.internvl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.internvl.CheckpointInspection;
import dev.internvl.checkpoint.Checkpoint;
import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.testing.RandomCheckpoint;
import dev.internvl.torch.TorchKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Packed bf16 matrices ({@link ModelOptions#packedWeights()}): which CPUs get them, and that a packed decoder
 * computes what the plain one does, up to bf16 rounding (golden tiny Qwen2 with biases and an untied head; random
 * tied-head Qwen2 and InternLM2 checkpoints, whose head becomes a packed copy of the embedding).
 */
class PackedWeightsTest {

    /** The flags line of a CPU with AVX-512 (an AMD EPYC of the Zen 4 generation), shortened. */
    static final String AVX512 = "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "
            + "clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl "
            + "avx2 bmi2 erms invpcid avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni "
            + "avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves avx512_bf16 clzero xsaveerptr avx512vbmi umip pku\n";
    /** An AVX2 CPU without AVX-512 (Zen 2), shortened. */
    static final String AVX2 = "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 "
            + "clflush mmx fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good "
            + "nopl xtopology nonstop_tsc cpuid extd_apicid aperfmperf pni pclmulqdq monitor ssse3 fma cx16 sse4_1 "
            + "sse4_2 movbe popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a "
            + "avx2 bmi2 rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 xsaves clzero\n";

    @TempDir
    static Path root;
    static Path golden;

    @BeforeAll
    static void checkpoint() throws IOException {
        golden = Files.createDirectories(root.resolve("golden"));
        GoldenFiles.checkpoint(golden, "llm/config.json", "llm/qwen2_tiny.safetensors");
    }

    static void assumePacking() {
        try (TorchKernels kernels = TorchKernels.load()) {
            assumeTrue(MatrixPacking.available(kernels), "this CPU has no AVX-512: bf16 matrices are not packed");
        }
    }

    @Test
    void onlyX86CpusWithAvx512Qualify() throws IOException {
        Path info = root.resolve("cpuinfo");
        String processor = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\n";
        Files.writeString(info, processor + AVX512 + "\nprocessor\t: 1\n" + AVX512);
        assertTrue(MatrixPacking.cpuQualifies("amd64", info));
        assertTrue(MatrixPacking.cpuQualifies("x86_64", info));
        assertFalse(MatrixPacking.cpuQualifies("aarch64", info), "an ARM machine never packs");
        Files.writeString(info, processor + AVX2);
        assertFalse(MatrixPacking.cpuQualifies("amd64", info), "AVX2 only");
        Files.writeString(info, processor + AVX512.replace(" avx512vl", ""));
        assertFalse(MatrixPacking.cpuQualifies("amd64", info), "AVX-512 without VL");
        Files.writeString(info, processor);
        assertFalse(MatrixPacking.cpuQualifies("amd64", info), "no flags line");
        assertFalse(MatrixPacking.cpuQualifies("amd64", root.resolve("missing")), "no cpuinfo (not Linux)");
    }

    @Test
    void packingNeedsRoomInTheAvailableMemory() throws IOException {
        Path meminfo = root.resolve("meminfo");
        Path cgroup = Files.createDirectories(root.resolve("cgroup"));
        Files.writeString(meminfo, "MemTotal:       24608132 kB\nMemFree:         1843276 kB\n"
                + "MemAvailable:   20000000 kB\nBuffers:          102400 kB\n");
        assertEquals(20_480_000_000L, MatrixPacking.availableMemory(meminfo, cgroup).getAsLong(), "no cgroup limit");
        Files.writeString(cgroup.resolve("memory.max"), "max\n");
        Files.writeString(cgroup.resolve("memory.current"), "123456789\n");
        assertEquals(20_480_000_000L, MatrixPacking.availableMemory(meminfo, cgroup).getAsLong(), "limit 'max'");
        Files.writeString(cgroup.resolve("memory.max"), "4294967296\n");
        Files.writeString(cgroup.resolve("memory.current"), "1073741824\n");
        assertEquals(3_221_225_472L, MatrixPacking.availableMemory(meminfo, cgroup).getAsLong(), "the cgroup's room");
        Files.writeString(cgroup.resolve("memory.current"), "5000000000\n");
        assertEquals(0, MatrixPacking.availableMemory(meminfo, cgroup).getAsLong(), "over the limit already");
        assertTrue(MatrixPacking.availableMemory(root.resolve("none"), root.resolve("none")).isEmpty());

        assertTrue(MatrixPacking.fits(800, java.util.OptionalLong.of(1000)));
        assertFalse(MatrixPacking.fits(801, java.util.OptionalLong.of(1000)), "more than 80 % of what is free");
        assertTrue(MatrixPacking.fits(Long.MAX_VALUE, java.util.OptionalLong.empty()), "unknown: packed");
    }

    @Test
    void packedLogitsAndGreedyTokensMatchThePlainLayout() {
        assumePacking();
        float[][] plain;
        float[][] packed;
        try (InternVLModel m = InternVLModel.load(golden, options(false))) {
            assertFalse(m.decoder().packed());
            plain = QuantizedCacheTest.run(m);
        }
        try (InternVLModel m = InternVLModel.load(golden, options(true))) {
            assertTrue(m.decoder().packed());
            assertEquals(4 * m.config().llm().numLayers() + 1, m.decoder().packedMatrices(),
                    "4 per layer and the head");
            packed = QuantizedCacheTest.run(m);
        }
        compare(plain, packed, "golden tiny Qwen2");
    }

    @Test
    void aTiedHeadGetsItsOwnPackedCopy() throws IOException {
        assumePacking();
        for (String arch : new String[] {LlmConfig.QWEN2, LlmConfig.INTERNLM2}) {
            Path dir = root.resolve("tied-" + arch);
            RandomCheckpoint.Dims dims = new RandomCheckpoint.Dims(32, 2, 64, 1, 64, 128, 2, 4, 2, 4096, true, arch,
                    false);
            RandomCheckpoint.write(dir, dims, TensorDType.BF16, 11, 2, "Hermes-2");
            float[][] plain;
            float[][] packed;
            long plainBytes;
            try (InternVLModel m = InternVLModel.load(dir, options(false))) {
                plain = QuantizedCacheTest.run(m);
                plainBytes = m.decoder().weightBytes();
            }
            try (InternVLModel m = InternVLModel.load(dir, options(true))) {
                assertTrue(m.decoder().packed(), arch);
                assertEquals(4 * 2 + 1, m.decoder().packedMatrices(), arch + ": 4 per layer and the head");
                packed = QuantizedCacheTest.run(m);
                assertEquals(plainBytes + 4096L * 64 * 2, m.decoder().weightBytes(), arch + ": the head's own copy");
                // what the health endpoint reports without loading: the same decoder bytes, plus the bf16 vision part
                Checkpoint ckpt = Checkpoint.open(dir);
                long vision = 2 * ckpt.names().stream().filter(n -> !n.startsWith("language_model."))
                        .mapToLong(n -> ckpt.tensor(n).numel()).sum();
                CheckpointInspection inspection = CheckpointInspection.inspect(dir);
                assertEquals(m.decoder().weightBytes() + vision,
                        inspection.healthDetails("none", true).get("weightBytes"), arch);
                assertEquals(plainBytes + vision, inspection.healthDetails("none", false).get("weightBytes"), arch);
            }
            compare(plain, packed, arch);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"vit300m_style", "vit6b_style"})
    void aPackedVisionEncoderStaysAsCloseToTheReference(String variant) throws IOException {
        assumePacking();
        Path dir = Files.createDirectories(root.resolve(variant));
        GoldenFiles.checkpoint(dir, "vision/" + variant + ".config.json", "vision/" + variant + ".safetensors");
        float[] pixels = GoldenFiles.floats("vision/input_grace_1tile.bin.gz");
        float[] expected = GoldenFiles.floats("vision/" + variant + "__grace_1tile__projector_out.bin");
        float[] diff = new float[2];
        for (boolean pack : new boolean[] {false, true}) {
            ModelOptions o = ModelOptions.defaults().visionOnly().withPackedWeights(pack);
            try (InternVLModel m = InternVLModel.load(dir, o);
                    VisionEmbeddings emb = m.encodeImages(pixels, 1)) {
                int layers = m.vision().layersToRun();
                assertEquals(pack ? 4 * layers : 0, m.vision().packedMatrices(), variant + ": qkv, proj, fc1, fc2");
                diff[pack ? 1 : 0] = GoldenFiles.maxAbsDiff(m.toFloats(emb), expected);
            }
        }
        // bf16 against the fp32 reference: the packed encoder's error is of the plain one's size
        assertTrue(diff[1] <= 1.5f * diff[0] + 1e-3f, variant + ": packed " + diff[1] + ", plain " + diff[0]);
    }

    @Test
    void otherDtypesQuantizedDecodersAndTheSwitchStayPlain() {
        try (InternVLModel m = InternVLModel.load(golden, options(true).withDtype(ComputeDType.FP32))) {
            assertFalse(m.decoder().packed(), "fp32");
        }
        try (InternVLModel m = InternVLModel.load(golden, options(true).withDtype(ComputeDType.FP16))) {
            assertFalse(m.decoder().packed(), "fp16 (oneDNN has no fp16 kernels without AVX-512 FP16)");
        }
        try (InternVLModel m = InternVLModel.load(golden, options(true).withQuantization(Quantization.INT8)
                .withQuantizationCache("off"))) {
            assertFalse(m.decoder().packed(), "int8");
        }
        try (InternVLModel m = InternVLModel.load(golden, options(false))) {
            assertFalse(m.decoder().packed(), "switched off");
            assertEquals(0, m.decoder().packedMatrices());
        }
        assertTrue(ModelOptions.defaults().packedWeights(), "on by default");
    }

    static ModelOptions options(boolean packed) {
        return ModelOptions.defaults().languageOnly().withPackedWeights(packed);
    }

    /**
     * Packed and plain bf16 products round differently in the last bit; logits stay within a few bf16 steps of
     * each other (the random models' logits are of order 1) and the greedy tokens are the same.
     */
    static void compare(float[][] plain, float[][] packed, String what) {
        for (int p = 0; p < plain.length; p += 2) {
            float diff = 0;
            float scale = 0;
            for (int i = 0; i < plain[p].length; i++) {
                diff = Math.max(diff, Math.abs(plain[p][i] - packed[p][i]));
                scale = Math.max(scale, Math.abs(plain[p][i]));
            }
            assertTrue(diff <= 0.05f * Math.max(1f, scale), what + ": first logits differ by " + diff + " (max " + scale
                    + ")");
            assertArrayEquals(plain[p + 1], packed[p + 1], what + ": greedy tokens of prompt " + p / 2);
        }
    }
}
