package dev.internvl.spring.web;

import dev.internvl.checkpoint.RandomCheckpoint;
import dev.internvl.checkpoint.TensorDType;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;

/**
 * A tiny random-weight InternVL2 checkpoint (bf16, two shards, Hermes-2 template) with the real InternVL2-1B
 * tokenizer of the core module's test resources, and small test pictures.
 */
final class TinyModel {

    /** The tokenizer files, relative to this module's folder (the tests' working directory). */
    static final Path TOKENIZER = Path.of("../core/src/test/resources/tokenizers/internvl2-qwen2");

    private TinyModel() {
    }

    static Path write(Path dir) {
        try {
            RandomCheckpoint.write(dir, RandomCheckpoint.Dims.tiny(), TensorDType.BF16, 20261121L, 2, "Hermes-2");
            for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
                Files.copy(TOKENIZER.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A {@code w}×{@code h} PNG: a gradient with a coloured square that depends on {@code seed}. */
    static byte[] png(int w, int h, int seed) {
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
