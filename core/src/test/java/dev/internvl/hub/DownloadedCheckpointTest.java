package dev.internvl.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.ChatAnswer;
import dev.internvl.ChatRequest;
import dev.internvl.EngineOptions;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.model.ComputeDType;
import dev.internvl.model.ModelOptions;
import dev.internvl.testing.FakeHub;
import dev.internvl.testing.TinyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * From a model id to an answer: the tiny checkpoint served by the loopback hub, downloaded into the cache, loads
 * through the same code as the folder it came from and answers the same.
 */
class DownloadedCheckpointTest {

    @TempDir
    Path tmp;

    static Set<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void aDownloadedSnapshotLoadsAndAnswersAsTheLocalFolder() throws Exception {
        Path local = TinyModel.write(Files.createDirectory(tmp.resolve("tiny")));
        Files.writeString(local.resolve("README.md"), "# not needed by the engine\n");
        EngineOptions fp32 = EngineOptions.defaults()
                .withModel(ModelOptions.defaults().withDtype(ComputeDType.FP32))
                .withGeneration(GenerationOptions.builder().maxNewTokens(8).build());
        ChatRequest question = ChatRequest.builder("Describe the image.")
                .image(TinyModel.png(320, 240, 1), "picture.png").maxTiles(1).build();
        try (FakeHub hub = FakeHub.start()) {
            hub.serve("test-org/tiny-internvl", local);
            HubSettings settings = new HubSettings(hub.endpoint(), tmp.resolve("cache"), null, false, 4, 2,
                    Duration.ofMillis(10));
            Path snapshot = new ModelDownloader(settings).download("test-org/tiny-internvl", "main",
                    DownloadListener.NONE);
            assertTrue(Files.isSymbolicLink(snapshot.resolve("config.json")));
            Set<String> expected = names(local);
            expected.remove("README.md"); // the engine does not read it
            assertEquals(expected, names(snapshot));

            ChatAnswer fromLocal;
            try (InternVL engine = InternVL.load(local, fp32)) {
                fromLocal = engine.chat(question);
            }
            try (InternVL engine = InternVL.load(snapshot, fp32)) {
                ChatAnswer fromHub = engine.chat(question);
                assertEquals(8, fromHub.tokenIds().length);
                assertArrayEquals(fromLocal.tokenIds(), fromHub.tokenIds());
                assertEquals(fromLocal.text(), fromHub.text());
                assertEquals(fromLocal.promptTokens(), fromHub.promptTokens());
            }
        }
    }
}
