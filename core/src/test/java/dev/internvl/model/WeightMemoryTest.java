package dev.internvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.internvl.checkpoint.LlmConfig;
import dev.internvl.checkpoint.PlannedTensor;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.testing.RandomCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decoder bytes {@link WeightMemory} computes without loading equal those the loaded decoder measures. */
class WeightMemoryTest {

    @TempDir
    Path dir;

    /** Tiny dims with a vocabulary that is not a multiple of 16 (the int4 head pads its rows). */
    static RandomCheckpoint.Dims dims(boolean tied, String arch) {
        return new RandomCheckpoint.Dims(32, 2, 64, 1, 64, 128, 2, 4, 2, 151655, tied, arch, false);
    }

    void check(String name, RandomCheckpoint.Dims dims) throws IOException {
        Path d = dir.resolve(name);
        RandomCheckpoint.write(d, dims, TensorDType.F32, 9, 1, "Hermes-2");
        for (Quantization q : List.of(Quantization.NONE, Quantization.INT8, Quantization.int4(32))) {
            for (ComputeDType dtype : List.of(ComputeDType.BF16, ComputeDType.FP32)) {
                ModelOptions o = ModelOptions.defaults().languageOnly().withQuantization(q).withDtype(dtype);
                try (InternVLModel m = InternVLModel.load(d, o)) {
                    boolean tied = !m.checkpoint().has(InternVLModel.headTensorName(m.config()));
                    List<PlannedTensor> decoder = InternVLModel.plannedTensors(m.config(), !tied).stream()
                            .filter(t -> t.part() != PlannedTensor.Part.VISION
                                    && t.part() != PlannedTensor.Part.PROJECTOR).toList();
                    assertEquals(m.decoder().weightBytes(),
                            WeightMemory.bytes(decoder, tied, dtype, q, m.decoder().packed()),
                            name + " " + q + " " + dtype);
                }
            }
        }
    }

    @Test
    void untiedQwen2() throws IOException {
        check("untied", dims(false, LlmConfig.QWEN2));
    }

    @Test
    void tiedQwen2() throws IOException {
        check("tied", dims(true, LlmConfig.QWEN2));
    }

    @Test
    void internLM2() throws IOException {
        check("internlm2", dims(false, LlmConfig.INTERNLM2));
    }
}
