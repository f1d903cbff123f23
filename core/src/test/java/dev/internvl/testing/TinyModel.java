package dev.internvl.testing;

import dev.internvl.checkpoint.TensorDType;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;

/**
 * The test fixture every module shares (through core's test-jar): a tiny random-weight InternVL2 checkpoint in the
 * OpenGVLab layout (bf16 weights in two shards with an index, config.json naming Hermes-2) with the real
 * InternVL2-1B (Qwen2) tokenizer from core's test resources, and small test pictures.
 */
public final class TinyModel {

    private TinyModel() {
    }

    /** Writes the checkpoint into {@code dir} and returns it. */
    public static Path write(Path dir) {
        try {
            RandomCheckpoint.write(dir, RandomCheckpoint.Dims.tiny(), TensorDType.BF16, 20261121L, 2, "Hermes-2");
            for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
                try (InputStream in = TinyModel.class.getResourceAsStream("/tokenizers/internvl2-qwen2/" + f)) {
                    if (in == null) {
                        throw new IllegalStateException("test resource tokenizers/internvl2-qwen2/" + f + " is missing");
                    }
                    Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code w}×{@code h} PNG: a gradient with a coloured square that depends on {@code seed}. */
    public static byte[] png(int w, int h, int seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean square = x > w / 3 && x < w / 2 && y > h / 4 && y < h / 2;
                int r = square ? 255 : x * 255 / w;
                int g = (y * 255 / h + seed * 40) & 0xff;
                int b = square ? (seed * 70) & 0xff : 128;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
