package dev.internvl.model;

import static dev.internvl.model.GoldenFiles.floats;
import static dev.internvl.model.GoldenFiles.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.IValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration variants the golden data does not cover directly, checked against the engine's own paths. */
class VisionVariantsTest {

    @TempDir
    Path tmp;

    private Path variant(String name, String from, String to) throws IOException {
        Path dir = Files.createDirectory(tmp.resolve(name));
        GoldenFiles.checkpoint(dir, "vision/vit300m_style.config.json", "vision/vit300m_style.safetensors");
        String cfg = Files.readString(dir.resolve("config.json"), StandardCharsets.UTF_8);
        assertTrue(cfg.contains(from), from);
        Files.writeString(dir.resolve("config.json"), cfg.replace(from, to), StandardCharsets.UTF_8);
        return dir;
    }

    private static float[] shuffled(Path dir, float[] pixels) {
        try (InternVLModel m = InternVLModel.load(dir, ModelOptions.defaults().withDtype(ComputeDType.FP32).visionOnly());
                IValue vit = m.vision().forward(pixels, 1, 448); IValue s = m.projector().pixelShuffle(vit)) {
            return m.toFloats(s);
        }
    }

    private static float[] hidden(Path dir, float[] pixels) {
        try (InternVLModel m = InternVLModel.load(dir, ModelOptions.defaults().withDtype(ComputeDType.FP32).visionOnly());
                IValue vit = m.vision().forward(pixels, 1, 448)) {
            return m.toFloats(vit);
        }
    }

    @Test
    void pixelShuffleV1IsV2WithRowsAndColumnsSwapped() throws IOException {
        float[] pixels = floats("vision/input_grace_1tile.bin.gz");
        float[] v2 = shuffled(variant("v2", "\"ps_version\": \"v2\"", "\"ps_version\": \"v2\""), pixels);
        float[] v1 = shuffled(variant("v1", "\"ps_version\": \"v2\"", "\"ps_version\": \"v1\""), pixels);
        int side = 16;
        int ch = v2.length / (side * side);
        for (int i = 0; i < side; i++) {
            for (int j = 0; j < side; j++) {
                for (int c = 0; c < ch; c += 37) {
                    assertEquals(v2[(i * side + j) * ch + c], v1[(j * side + i) * ch + c], 0f);
                }
            }
        }
    }

    @Test
    void selectLayerMinusTwoIsTheOutputOfTheFirstOfTwoLayers() throws IOException {
        float[] pixels = floats("vision/input_grace_1tile.bin.gz");
        float[] secondLast = hidden(variant("sel", "\"select_layer\": -1", "\"select_layer\": -2"), pixels);
        float[] oneLayer = hidden(variant("one", "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1"), pixels);
        assertEquals(0f, maxAbsDiff(secondLast, oneLayer));
        float[] last = floats("vision/vit300m_style__grace_1tile__vit_last_hidden_nocls.bin");
        assertTrue(maxAbsDiff(secondLast, last) > 1e-2, "select_layer -2 must differ from the last layer");
    }

    @Test
    void bf16AndFp16VisionStayCloseToTheReference() throws IOException {
        float[] pixels = floats("vision/input_grace_1tile.bin.gz");
        float[] expected = floats("vision/vit300m_style__grace_1tile__projector_out.bin");
        Path dir = variant("half", "\"select_layer\": -1", "\"select_layer\": -1");
        for (ComputeDType d : new ComputeDType[] {ComputeDType.BF16, ComputeDType.FP16}) {
            try (InternVLModel m = InternVLModel.load(dir, ModelOptions.defaults().withDtype(d).visionOnly());
                    VisionEmbeddings e = m.encodeImages(pixels, 1)) {
                float diff = maxAbsDiff(m.toFloats(e), expected);
                float scale = 0;
                for (float v : expected) {
                    scale = Math.max(scale, Math.abs(v));
                }
                assertTrue(diff < 0.05f * scale, d + " projector output differs by " + diff + " (max |value| " + scale + ")");
            }
        }
    }
}
