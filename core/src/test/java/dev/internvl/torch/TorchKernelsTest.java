package dev.internvl.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.IValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TorchKernelsTest {

    static TorchKernels kernels;

    @BeforeAll
    static void load() {
        kernels = TorchKernels.load();
    }

    @AfterAll
    static void close() {
        kernels.close();
    }

    @Test
    void rmsNormMatchesTheFormulaInFp32() {
        float[] x = {1, 2, 3, 4};
        try (PtNDArray in = (PtNDArray) kernels.manager().create(x, new Shape(1, 4));
                PtNDArray w = (PtNDArray) kernels.manager().create(new float[] {1, 1, 2, 2});
                IValue out = kernels.call("rms", in, w, 1e-6)) {
            float[] y = out.toTensor(kernels.manager()).toFloatArray();
            double rms = Math.sqrt((1 + 4 + 9 + 16) / 4.0 + 1e-6);
            assertEquals(1 / rms, y[0], 1e-6);
            assertEquals(2 * 4 / rms, y[3], 1e-6);
        }
    }

    @Test
    void kernelErrorsBecomeOneLineExceptions() {
        try (PtNDArray a = (PtNDArray) kernels.manager().create(new float[] {1, 2, 3}, new Shape(1, 3));
                PtNDArray w = (PtNDArray) kernels.manager().create(new float[] {1, 2}, new Shape(1, 2));
                PtNDArray b = (PtNDArray) kernels.manager().create(new float[0], new Shape(0))) {
            TorchException e = assertThrows(TorchException.class, () -> kernels.call("linear", a, w, b));
            assertTrue(e.getMessage().startsWith("linear failed: "), e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
    }
}
