package dev.internvl;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.checkpoint.CheckpointException;
import dev.internvl.testing.TinyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tokenizer from another model than the weights: refused before the weights load, naming both sides. */
class VocabularyCheckTest {

    @TempDir
    Path dir;

    @Test
    void aTokenizerWithIdsBeyondTheEmbeddingIsRefusedBeforeLoading() throws IOException {
        TinyModel.write(dir);
        Path config = dir.resolve("config.json");
        // the tiny checkpoint's embedding has 151655 rows, as InternVL2-1B's; claim 1000
        Files.writeString(config, Files.readString(config).replaceAll("\"vocab_size\"\\s*:\\s*151655",
                "\"vocab_size\": 1000"));
        assertTrue(Files.readString(config).contains("\"vocab_size\": 1000"), "config edited");
        RuntimeException e = assertThrows(CheckpointException.class, () -> InternVL.load(dir));
        assertTrue(e.getMessage().contains("has ids up to 151654")
                && e.getMessage().contains("llm_config.vocab_size is 1000")
                && e.getMessage().contains("tokenizer.json"), e.getMessage());
        // found before the weights: loading them first would fail on the embedding's shape instead
        assertTrue(!e.getMessage().contains("shape"), e.getMessage());
    }
}
