package dev.internvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.hub.HubSettings;
import dev.internvl.hub.ModelDownloader;
import dev.internvl.testing.FakeHub;
import dev.internvl.testing.TinyModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --model} with a Hugging Face model id: the files come from a hub on the loopback interface into the cache,
 * with progress on standard error; a folder that exists wins; errors are one line.
 */
class CliHubTest {

    static final String ID = "test-org/tiny-internvl";
    static final List<String> HUB_PROPERTIES = List.of("HF_ENDPOINT", "HF_HUB_CACHE", "HF_HOME", "HF_TOKEN",
            "HF_HUB_OFFLINE");

    @TempDir
    static Path tmp;

    static FakeHub hub;
    static Path checkpoint;

    @BeforeAll
    static void startHub() {
        hub = FakeHub.start();
        checkpoint = TinyModel.write(tmp.resolve("tiny"));
        hub.serve(ID, checkpoint);
        HUB_PROPERTIES.forEach(k -> System.setProperty(k, ""));
        System.setProperty("HF_ENDPOINT", hub.endpoint());
        System.setProperty("HF_HUB_CACHE", tmp.resolve("hf-cache").toString());
        System.setProperty("HF_HOME", tmp.resolve("hf-home").toString());
        System.setProperty("HF_HUB_OFFLINE", "0");
    }

    @AfterAll
    static void stopHub() {
        HUB_PROPERTIES.forEach(System::clearProperty);
        hub.close();
    }

    @Test
    void chatDownloadsByIdThenAnswersFromTheCacheWithoutAskingAgain() {
        CliTest.Run r = CliTest.cli("chat", "--model", ID + "@main", "--max-new-tokens", "4", "--dtype", "fp32",
                "Hello");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().endsWith("\n"));
        assertTrue(r.err().contains("Downloading " + ID + " (revision main, commit "), r.err());
        assertTrue(r.err().contains("Downloaded " + ID + " in "), r.err());
        assertTrue(hub.requests().stream().anyMatch(q -> q.server().equals("cdn")), "weights came from the CDN");

        hub.clearRequests();
        r = CliTest.cli("prompt", "--model", ID, "--question", "What is it?");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\"input_ids\""), r.out());
        assertEquals(List.of(), hub.requests());
        assertTrue(!r.err().contains("Downloading"), r.err());
    }

    @Test
    void inspectByIdFetchesNoWeights() {
        hub.serve("test-org/inspect-only", checkpoint);
        hub.clearRequests();
        CliTest.Run r = CliTest.cli("inspect", "--model", "test-org/inspect-only");
        // no weights yet, so it will not load; but it says what the weights are and what they will take
        assertEquals(1, r.status(), r.err() + r.out());
        assertTrue(r.out().contains("model-00001-of-00002.safetensors: listed by the index, missing"), r.out());
        assertTrue(r.out().contains("language    Qwen2ForCausalLM"), r.out());
        assertTrue(r.out().contains("memory      weights only"), r.out());
        assertTrue(hub.requests().stream().noneMatch(q -> q.path().endsWith(".safetensors")),
                "asked for weights: " + hub.requests());
        assertTrue(hub.requests().stream().anyMatch(q -> q.path().endsWith("/config.json")), hub.requests()
                .toString());
    }

    @Test
    void aFolderThatExistsWinsOverAnIdOfTheSameSpelling() throws IOException {
        Path relative = Path.of("target", "cli-hub-" + ProcessHandle.current().pid());
        copy(checkpoint, relative);
        try {
            hub.clearRequests();
            CliTest.Run r = CliTest.cli("prompt", "--model", relative.toString(), "--question", "What is it?");
            assertEquals(0, r.status(), r.err());
            assertEquals(List.of(), hub.requests());
        } finally {
            try (Stream<Path> walk = Files.walk(relative)) {
                for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Test
    void unknownModelsAndPathsAreOneLineErrors() {
        CliTest.Run r = CliTest.cli("prompt", "--model", "nobody/nothing", "--question", "Hi");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("error: nobody/nothing: no such model on " + hub.endpoint()), r.err());
        assertTrue(r.err().contains("nor is there a folder nobody/nothing"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        r = CliTest.cli("chat", "--model", "./no/such/checkpoint", "Hi");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("error: --model ./no/such/checkpoint: no such folder"), r.err());
        assertTrue(r.err().contains("not a Hugging Face model id"), r.err());
    }

    @Test
    void theTerminalProgressBarDrawsFilesAndTheTotalInPlace() {
        FakeHub.Repo slow = hub.serve("test-org/slow", checkpoint).throttle(20_000_000);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        HubSettings settings = new HubSettings(hub.endpoint(), tmp.resolve("bar-cache"), null, false, 2, 1,
                Duration.ofMillis(10));
        new ModelDownloader(settings).download("test-org/slow", "main", new ProgressBar(out, 100));
        String screen = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(screen.startsWith("Downloading test-org/slow (revision main, commit " + slow.commit()
                .substring(0, 12) + ")"), screen);
        assertTrue(screen.contains("\u001b[2K  total"), "the total line is redrawn: " + screen);
        assertTrue(screen.matches("(?s).*\u001b\\[\\d+F.*"), "the cursor goes back up to redraw: " + screen);
        assertTrue(screen.matches("(?s).*\u001b\\[2K  total +100% \\[=+\\] 31.0 MB/31.0 MB.*"), screen);
        assertTrue(screen.matches("(?s).*\u001b\\[2K  (model-00001-of-00002.safetensors|\\.\\.\\.l-00001-of-00002"
                + ".safetensors) +\\d+% \\[=*>? *\\] .*"), "a file's own bar: " + screen);
        assertTrue(screen.contains("  done   config.json"), screen);
        assertTrue(screen.contains("  6/6 files"), screen);
        assertTrue(screen.strip().lines().reduce((a, b) -> b).orElseThrow().startsWith("Downloaded test-org/slow in "),
                screen);
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
