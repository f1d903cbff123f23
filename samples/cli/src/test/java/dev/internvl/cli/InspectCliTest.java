package dev.internvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.checkpoint.TensorDType;
import dev.internvl.testing.RandomCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code inspect}: the report, its JSON, and the exit status that says whether the folder will load. */
class InspectCliTest {

    @TempDir
    Path tmp;

    Path tiny(int shards) throws IOException {
        Path dir = tmp.resolve("tiny" + shards);
        RandomCheckpoint.write(dir, RandomCheckpoint.Dims.tiny(), TensorDType.BF16, 5, shards, "Hermes-2");
        Files.copy(CliTest.TOKENIZER.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.copy(CliTest.TOKENIZER.resolve("tokenizer_config.json"), dir.resolve("tokenizer_config.json"));
        return dir;
    }

    @Test
    void aCompleteFolderWillLoad() throws IOException {
        CliTest.Run r = CliTest.cli("inspect", "--model", tiny(1).toString());
        assertEquals(0, r.status(), r.err() + r.out());
        assertTrue(r.out().contains("language    Qwen2ForCausalLM: 2 layers, hidden 32, 4 heads / 2 kv heads"), r.out());
        assertTrue(r.out().contains("<IMG_CONTEXT> 151648"), r.out());
        assertTrue(r.out().contains("model.safetensors: "), r.out());
        assertTrue(r.out().contains("template Hermes-2"), r.out());
        assertTrue(r.out().strip().endsWith("verdict     will load"), r.out());
    }

    @Test
    void jsonCarriesTheSameFacts() throws IOException {
        CliTest.Run r = CliTest.cli("inspect", "--model", tiny(2).toString(), "--json", "--system", "Be brief.");
        assertEquals(0, r.status(), r.err() + r.out());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertTrue(o.get("willLoad").getAsBoolean());
        assertEquals(2, o.getAsJsonObject("weights").getAsJsonArray("files").size());
        assertEquals(151648, o.getAsJsonObject("tokenizer").getAsJsonObject("specialTokens").get("<IMG_CONTEXT>")
                .getAsLong());
        assertEquals("Be brief.", o.getAsJsonObject("prompt").get("systemMessage").getAsString());
        JsonObject params = o.getAsJsonObject("parameters");
        assertEquals(params.get("inFiles").getAsLong(), params.get("total").getAsLong());
        assertEquals(2 * params.get("total").getAsLong(),
                o.getAsJsonObject("memory").getAsJsonObject("weightBytes").get("none").getAsLong());
    }

    @Test
    void aFolderWithoutWeightsExitsOneAndSaysSo() throws IOException {
        Path dir = tiny(1);
        Files.delete(dir.resolve("model.safetensors"));
        CliTest.Run r = CliTest.cli("inspect", "--model", dir.toString());
        assertEquals(1, r.status(), r.out());
        assertTrue(r.out().contains("weights     no weights yet: "), r.out());
        assertTrue(r.out().contains("parameters  "), r.out());
        assertTrue(r.out().contains("verdict     will not load:"), r.out());
    }

    @Test
    void aFolderWithoutConfigIsOneErrorLine() {
        CliTest.Run r = CliTest.cli("inspect", "--model", tmp.resolve("absent").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("no such folder"), r.err());
        CliTest.Run j = CliTest.cli("inspect", "--model", tmp.resolve("absent").toString(), "--json");
        assertEquals(1, j.status());
        assertTrue(!JsonParser.parseString(j.out()).getAsJsonObject().get("willLoad").getAsBoolean(), j.out());
    }

    @Test
    void helpExitsZero() {
        CliTest.Run r = CliTest.cli("inspect", "--help");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("--model"), r.out());
    }
}
