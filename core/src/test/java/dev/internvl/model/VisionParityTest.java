package dev.internvl.model;

import static dev.internvl.model.GoldenFiles.floats;
import static dev.internvl.model.GoldenFiles.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.IValue;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** InternViT, pixel shuffle and projector against the official implementation's outputs (fp32). */
class VisionParityTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"vit300m_style", "vit6b_style"})
    void matchesReferenceWithin1e4(String variant) {
        GoldenFiles.checkpoint(dir, "vision/" + variant + ".config.json", "vision/" + variant + ".safetensors");
        float[] pixels = floats("vision/input_grace_1tile.bin.gz");
        ModelOptions opts = ModelOptions.defaults().withDtype(ComputeDType.FP32).visionOnly();
        try (InternVLModel model = InternVLModel.load(dir, opts)) {
            try (IValue vit = model.vision().forward(pixels, 1, 448)) {
                float[] hidden = model.toFloats(vit);
                float dh = maxAbsDiff(hidden, floats("vision/" + variant + "__grace_1tile__vit_last_hidden_nocls.bin"));
                assertTrue(dh <= 1e-4, variant + " ViT hidden state differs by " + dh);
                try (IValue shuffled = model.projector().pixelShuffle(vit)) {
                    float ds = maxAbsDiff(model.toFloats(shuffled),
                            floats("vision/" + variant + "__grace_1tile__pixel_shuffle_out.bin"));
                    assertTrue(ds <= 1e-4, variant + " pixel shuffle differs by " + ds);
                }
            }
            try (VisionEmbeddings emb = model.encodeImages(pixels, 1)) {
                assertEquals(256, emb.rows());
                float dp = maxAbsDiff(model.toFloats(emb), floats("vision/" + variant + "__grace_1tile__projector_out.bin"));
                assertTrue(dp <= 1e-4, variant + " projector output differs by " + dp);
            }
            // the encoder run in parts, a layer at a time (as the batch scheduler does beside running decodes)
            try (VisionEncoding parts = model.startEncoding(pixels, 1)) {
                int steps = 0;
                while (!parts.done()) {
                    parts.advance(1);
                    steps++;
                }
                assertEquals(model.vision().layersToRun(), steps);
                try (VisionEmbeddings emb = parts.finish()) {
                    float dp = maxAbsDiff(model.toFloats(emb),
                            floats("vision/" + variant + "__grace_1tile__projector_out.bin"));
                    assertTrue(dp <= 1e-4, variant + " projector output of the layer-stepped encoder differs by " + dp);
                }
            }
        }
    }
}
