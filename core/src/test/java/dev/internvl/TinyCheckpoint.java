package dev.internvl;

import dev.internvl.checkpoint.RandomCheckpoint;
import dev.internvl.checkpoint.TensorDType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A tiny random-weight InternVL2 checkpoint in the OpenGVLab layout (bf16 weights in two shards with an index,
 * config.json naming Hermes-2) with the real InternVL2-1B (Qwen2) tokenizer from the test resources.
 */
public final class TinyCheckpoint {

    private TinyCheckpoint() {
    }

    public static Path write(Path dir) {
        try {
            RandomCheckpoint.write(dir, RandomCheckpoint.Dims.tiny(), TensorDType.BF16, 20261121L, 2, "Hermes-2");
            for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
                try (InputStream in = TinyCheckpoint.class.getResourceAsStream("/tokenizers/internvl2-qwen2/" + f)) {
                    Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
