package dev.internvl.cli;

import ai.djl.pytorch.jni.IValue;
import dev.internvl.model.ComputeDType;
import dev.internvl.model.InternVLModel;
import dev.internvl.model.ModelOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vision}: pixel values (.npy [N,3,S,S]) through InternViT and the projector. */
@Command(name = "vision", description = "Run InternViT + projector on pixel values; writes [tiles*256, llm_hidden].")
final class VisionCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Checkpoint folder, or Hugging Face model id "
            + "(org/name[@revision]) downloaded into the Hugging Face cache.")
    ModelLocation model;

    @Option(names = "--pixels", required = true, description = "float32 .npy [tiles,3,S,S] (preprocess output).")
    Path pixels;

    @Option(names = "--out", required = true, description = "Projector output .npy [tiles*tokens, llm_hidden].")
    Path out;

    @Option(names = "--raw-vit", description = "Also write the ViT last hidden state without CLS [tiles,grid^2,C].")
    Path rawVit;

    @Option(names = "--dtype", defaultValue = "fp32", description = "Compute dtype: bf16, fp16, fp32 (default fp32).")
    String dtype;

    @Override
    public Integer call() throws Exception {
        Npy.Array px = Npy.read(pixels);
        ModelOptions opts = ModelOptions.defaults().withDtype(ComputeDType.parse(dtype)).visionOnly();
        try (InternVLModel m = InternVLModel.load(model.dir(), opts)) {
            int size = m.config().imageSize();
            long[] s = px.shape();
            if (s.length != 4 || s[1] != 3 || s[2] != size || s[3] != size) {
                throw new IllegalArgumentException(pixels + ": shape " + java.util.Arrays.toString(s)
                        + " is not [tiles,3," + size + "," + size + "]");
            }
            int tiles = (int) s[0];
            try (IValue vit = m.vision().forward(px.data(), tiles, size)) {
                if (rawVit != null) {
                    float[] raw = m.toFloats(vit);
                    int c = m.config().vision().hiddenSize();
                    Npy.write(rawVit, raw, tiles, raw.length / tiles / c, c);
                }
                try (IValue projected = m.projector().forward(vit)) {
                    float[] emb = m.toFloats(projected);
                    int d = m.config().llm().hiddenSize();
                    Npy.write(out, emb, emb.length / d, d);
                }
            }
        }
        return 0;
    }
}
