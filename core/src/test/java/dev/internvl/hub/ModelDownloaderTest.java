package dev.internvl.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.internvl.testing.FakeHub;
import dev.internvl.testing.FakeHub.Request;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The downloader against a hub on the loopback interface ({@link FakeHub}) that speaks the protocol as
 * {@code huggingface_hub} documents it: the cache layout it builds, what it asks for (and does not), resuming,
 * verification, locking, offline mode and the errors people see.
 */
class ModelDownloaderTest {

    static final String ID = "test-org/tiny-vl";
    static final String SHARD1 = "model-00001-of-00002.safetensors";
    static final String SHARD2 = "model-00002-of-00002.safetensors";
    static final String INDEX = "model.safetensors.index.json";

    @TempDir
    Path tmp;

    FakeHub hub;
    Path cache;

    @BeforeEach
    void start() {
        hub = FakeHub.start();
        cache = tmp.resolve("hf-cache").resolve("hub");
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    HubSettings settings() {
        return new HubSettings(hub.endpoint(), cache, null, false, 4, 3, Duration.ofMillis(20));
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A sharded checkpoint in the OpenGVLab layout, plus files the engine does not read. */
    static Map<String, byte[]> shardedRepo() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("config.json", utf8("{\"architectures\": [\"InternVLChatModel\"], \"template\": \"Hermes-2\"}\n"));
        f.put("generation_config.json", utf8("{\"eos_token_id\": [151645]}\n"));
        f.put("tokenizer.json", utf8("{\"model\": {\"type\": \"BPE\"}}\n"));
        f.put("tokenizer_config.json", utf8("{\"model_max_length\": 8192}\n"));
        f.put(INDEX, utf8("{\"metadata\": {\"total_size\": 500000}, \"weight_map\": {\"a.weight\": \"" + SHARD1
                + "\", \"b.weight\": \"" + SHARD2 + "\", \"c.weight\": \"" + SHARD1 + "\"}}\n"));
        f.put(SHARD1, random(300_000, 1));
        f.put(SHARD2, random(200_000, 2));
        f.put("README.md", utf8("# tiny\n"));
        f.put("modeling_internvl_chat.py", utf8("# remote code\n"));
        f.put("examples/image1.jpg", random(50_000, 3));
        f.put("pytorch_model.bin", random(10_000, 4));
        return f;
    }

    /** A single-file checkpoint with the Qwen2 slow-tokenizer files. */
    static Map<String, byte[]> singleFileRepo() {
        Map<String, byte[]> f = new LinkedHashMap<>();
        f.put("config.json", utf8("{\"template\": \"Hermes-2\"}\n"));
        f.put("vocab.json", utf8("{\"a\": 0}\n"));
        f.put("merges.txt", utf8("#version: 0.2\n"));
        f.put("conversation.py", utf8("# template\n"));
        f.put("model.safetensors", random(120_000, 5));
        return f;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Every file and link under {@code root}: path to "file sha256" or "link -> target". */
    static SortedMap<String, String> tree(Path root) throws Exception {
        SortedMap<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link -> " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p)) {
                    out.put(rel, "file " + sha256(Files.readAllBytes(p)));
                }
            }
        }
        return out;
    }

    @Test
    void firstDownloadBuildsTheHuggingFaceCacheLayout() throws Exception {
        Map<String, byte[]> files = shardedRepo();
        FakeHub.Repo repo = hub.serve(ID, files);
        Path dir = new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE);

        String commit = repo.commit();
        String folder = "models--test-org--tiny-vl";
        assertEquals(cache.resolve(folder).resolve("snapshots").resolve(commit), dir);

        // The layout huggingface_hub documents, written out independently of the downloader.
        SortedMap<String, String> expected = new TreeMap<>();
        List<String> wanted = List.of("config.json", "generation_config.json", "tokenizer.json",
                "tokenizer_config.json", INDEX, SHARD1, SHARD2);
        String emptySha = sha256(new byte[0]);
        for (String name : wanted) {
            byte[] content = files.get(name);
            boolean lfs = name.endsWith(".safetensors");
            String etag = lfs ? sha256(content) : FakeHub.gitBlobSha1(content);
            expected.put(folder + "/blobs/" + etag, "file " + sha256(content));
            expected.put(folder + "/snapshots/" + commit + "/" + name, "link -> ../../blobs/" + etag);
            expected.put(".locks/" + folder + "/" + etag + ".lock", "file " + emptySha);
        }
        expected.put(folder + "/refs/main", "file " + sha256(commit.getBytes(StandardCharsets.US_ASCII)));
        for (String absent : List.of("conversation.py", "tokenizer.model", "vocab.json", "merges.txt",
                "added_tokens.json", "special_tokens_map.json", "preprocessor_config.json", "model.safetensors")) {
            expected.put(folder + "/.no_exist/" + commit + "/" + absent, "file " + emptySha);
        }
        assertEquals(expected, tree(cache));

        // Each snapshot entry reads as the repository's file.
        for (String name : wanted) {
            assertArrayEquals(files.get(name), Files.readAllBytes(dir.resolve(name)), name);
        }
        // What the engine does not read is never asked for; the token never goes to the CDN.
        for (Request r : hub.requests()) {
            for (String unwanted : List.of("README.md", "modeling_internvl_chat.py", "image1.jpg",
                    "pytorch_model.bin")) {
                assertFalse(r.path().endsWith(unwanted), "requested " + r);
            }
        }
        // LFS files come from the CDN after a HEAD on the hub that is not followed there.
        assertEquals(1, hub.requests("GET", sha256(files.get(SHARD1))).size());
        assertTrue(hub.requests().stream().filter(r -> r.server().equals("cdn"))
                .allMatch(r -> r.method().equals("GET")), "HEAD requests stay on the hub: " + hub.requests());
    }

    @Test
    void aSecondRunMakesNoRequest() {
        hub.serve(ID, shardedRepo());
        ModelDownloader downloader = new ModelDownloader(settings());
        Path first = downloader.download(ID, "main", DownloadListener.NONE);
        hub.clearRequests();
        Path second = new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE);
        assertEquals(first, second);
        assertEquals(List.of(), hub.requests());
        // A commit id as the revision needs no ref either.
        String commit = first.getFileName().toString();
        assertEquals(first, downloader.download(ID, commit, DownloadListener.NONE));
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void aSnapshotMissingAFileIsCompletedWithOnlyThatFile() throws Exception {
        Map<String, byte[]> files = shardedRepo();
        FakeHub.Repo repo = hub.serve(ID, files);
        Path dir = new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE);
        Files.delete(dir.resolve(SHARD2)); // the link; the blob stays
        Files.delete(new HubCache(cache, new RepoId(ID)).blob(repo.etag(SHARD1))); // the blob; the link dangles
        hub.clearRequests();
        List<String> lines = new ArrayList<>();
        new ModelDownloader(settings()).download(ID, "main", new ProgressLog(lines::add));
        long there = Stream.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                INDEX).mapToLong(n -> files.get(n).length).sum();
        long total = there + files.get(SHARD1).length + files.get(SHARD2).length;
        assertTrue(lines.get(0).endsWith("7 files, " + HumanUnits.bytes(total) + " (" + HumanUnits.bytes(there)
                + " already there)"), lines.get(0));
        assertArrayEquals(files.get(SHARD1), Files.readAllBytes(dir.resolve(SHARD1)));
        assertArrayEquals(files.get(SHARD2), Files.readAllBytes(dir.resolve(SHARD2)));
        List<Request> gets = hub.requests().stream().filter(r -> r.method().equals("GET")).toList();
        // the model info, then SHARD1's content only: SHARD2's blob was still there
        assertEquals(2, gets.size(), gets.toString());
        assertTrue(gets.get(0).path().startsWith("/api/models/" + ID), gets.toString());
        assertTrue(gets.get(1).path().endsWith(sha256(files.get(SHARD1))), gets.toString());
    }

    @Test
    void anInterruptedDownloadResumesWhereItStoppedInTheNextRun() throws Exception {
        Map<String, byte[]> files = shardedRepo();
        FakeHub.Repo repo = hub.serve(ID, files).dropOnce(SHARD1, 100_000);
        HubSettings noRetry = settings().withRetries(0, Duration.ofMillis(10)).withParallelDownloads(1);
        HubException e = assertThrows(HubException.class,
                () -> new ModelDownloader(noRetry).download(ID, "main", DownloadListener.NONE));
        assertEquals(HubException.Reason.NETWORK, e.reason(), e.getMessage());
        HubCache layout = new HubCache(cache, new RepoId(ID));
        String etag = repo.etag(SHARD1);
        assertEquals(100_000, Files.size(layout.incomplete(etag)), "the partial blob is kept");
        assertFalse(Files.exists(layout.blob(etag)), "no blob before it is complete");
        assertFalse(Files.exists(layout.pointer(repo.commit(), SHARD1)));

        hub.clearRequests();
        Path dir = new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE);
        List<Request> gets = hub.requests("GET", etag);
        assertEquals(1, gets.size(), gets.toString());
        assertEquals("bytes=100000-", gets.get(0).range());
        assertEquals(206, gets.get(0).status());
        assertEquals(files.get(SHARD1).length - 100_000, gets.get(0).bytesSent());
        assertArrayEquals(files.get(SHARD1), Files.readAllBytes(dir.resolve(SHARD1)));
        assertFalse(Files.exists(layout.incomplete(etag)));
    }

    @Test
    void aConnectionDroppedMidFileIsResumedWithinTheRun() throws Exception {
        Map<String, byte[]> files = shardedRepo();
        FakeHub.Repo repo = hub.serve(ID, files).dropOnce(SHARD2, 70_000).dropOnce("tokenizer.json", 10);
        Path dir = new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE);
        List<Request> gets = hub.requests("GET", repo.etag(SHARD2));
        assertEquals(2, gets.size(), gets.toString());
        assertEquals(null, gets.get(0).range());
        assertEquals(70_000, gets.get(0).bytesSent());
        // resumed from what reached the file: all 70,000 bytes sent, or fewer when the client's HTTP stack dropped
        // what it held when the connection broke (seen once on CI: 65,360)
        String range = gets.get(1).range();
        assertTrue(range != null && range.matches("bytes=\\d+-"), String.valueOf(range));
        long resumedAt = Long.parseLong(range.substring(6, range.length() - 1));
        assertTrue(resumedAt > 0 && resumedAt <= 70_000, range);
        assertEquals(files.get(SHARD2).length - resumedAt, gets.get(1).bytesSent());
        assertArrayEquals(files.get(SHARD2), Files.readAllBytes(dir.resolve(SHARD2)));
        // a small file served by the hub itself resumes the same way
        List<Request> tok = hub.requests("GET", "/tokenizer.json");
        assertEquals("bytes=10-", tok.get(tok.size() - 1).range());
        assertArrayEquals(files.get("tokenizer.json"), Files.readAllBytes(dir.resolve("tokenizer.json")));
    }

    @Test
    void aCorruptedBlobIsDetectedAndNotPutInTheCache() throws Exception {
        Map<String, byte[]> files = shardedRepo();
        FakeHub.Repo repo = hub.serve(ID, files).corrupt(SHARD2);
        HubException e = assertThrows(HubException.class,
                () -> new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE));
        assertEquals(HubException.Reason.CHECKSUM, e.reason());
        assertTrue(e.getMessage().contains(SHARD2) && e.getMessage().contains("checksum mismatch")
                && e.getMessage().contains(repo.etag(SHARD2)), e.getMessage());
        HubCache layout = new HubCache(cache, new RepoId(ID));
        assertFalse(Files.exists(layout.blob(repo.etag(SHARD2))));
        assertFalse(Files.exists(layout.incomplete(repo.etag(SHARD2))));
        assertFalse(Files.exists(layout.pointer(repo.commit(), SHARD2), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(layout.ref("main")), "no ref to an incomplete snapshot");
    }

    @Test
    void transientServerErrorsAreRetried() {
        Map<String, byte[]> files = shardedRepo();
        FakeHub.Repo repo = hub.serve(ID, files).failNext(SHARD1, 503, 2);
        new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE);
        List<Integer> statuses = hub.requests("GET", repo.etag(SHARD1)).stream().map(Request::status).toList();
        assertEquals(List.of(503, 503, 200), statuses);
    }

    @Test
    void offlineModeUsesTheCacheAndSaysClearlyWhatIsMissing() throws Exception {
        hub.serve(ID, singleFileRepo());
        HubSettings offline = settings().withOffline(true);
        HubException none = assertThrows(HubException.class,
                () -> new ModelDownloader(offline).download(ID, "main", DownloadListener.NONE));
        assertEquals(HubException.Reason.NOT_CACHED, none.reason());
        assertTrue(none.getMessage().contains("HF_HUB_OFFLINE=1") && none.getMessage().contains(ID)
                && none.getMessage().contains("not in the cache"), none.getMessage());
        assertEquals(List.of(), hub.requests());

        Path dir = new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE);
        hub.clearRequests();
        assertEquals(dir, new ModelDownloader(offline).download(ID, "main", DownloadListener.NONE));
        Files.delete(dir.resolve("conversation.py")); // optional: still usable offline
        assertEquals(dir, new ModelDownloader(offline).download(ID, "main", DownloadListener.NONE));
        Files.delete(dir.resolve("model.safetensors"));
        HubException partial = assertThrows(HubException.class,
                () -> new ModelDownloader(offline).download(ID, "main", DownloadListener.NONE));
        assertTrue(partial.getMessage().contains("model.safetensors") && partial.getMessage().contains("lacks"),
                partial.getMessage());
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void withoutNetworkACompleteCachedSnapshotIsUsedAndOtherwiseTheErrorSaysSo() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        HubSettings down = settings().withEndpoint("http://127.0.0.1:" + closedPort).withRetries(1,
                Duration.ofMillis(10));
        HubException e = assertThrows(HubException.class,
                () -> new ModelDownloader(down).download(ID, "main", DownloadListener.NONE));
        assertEquals(HubException.Reason.NETWORK, e.reason());
        assertTrue(e.getMessage().contains("cannot connect") && e.getMessage().contains("HF_HUB_OFFLINE"),
                e.getMessage());

        hub.serve(ID, singleFileRepo());
        Path dir = new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE);
        Files.delete(dir.resolve("conversation.py")); // incomplete for a check-free start, usable without network
        assertEquals(dir, new ModelDownloader(down).download(ID, "main", DownloadListener.NONE));
    }

    @Test
    void unknownModelsAndRevisionsAreNamed() {
        hub.serve(ID, singleFileRepo());
        ModelDownloader d = new ModelDownloader(settings());
        HubException repo = assertThrows(HubException.class,
                () -> d.download("nobody/nothing", "main", DownloadListener.NONE));
        assertEquals(HubException.Reason.NOT_FOUND, repo.reason());
        assertTrue(repo.getMessage().startsWith("nobody/nothing: no such model on " + hub.endpoint()),
                repo.getMessage());
        HubException rev = assertThrows(HubException.class, () -> d.download(ID, "v9.9", DownloadListener.NONE));
        assertEquals(HubException.Reason.NOT_FOUND, rev.reason());
        assertTrue(rev.getMessage().contains("no revision 'v9.9'"), rev.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> d.download("../etc", "main", DownloadListener.NONE));
        assertTrue(bad.getMessage().contains("not a Hugging Face model id"), bad.getMessage());
    }

    @Test
    void gatedModelsNeedTheTokenWhichNeverLeavesTheHub() throws IOException {
        Map<String, byte[]> files = shardedRepo();
        hub.serve(ID, files).gated("hf_secret");
        HubException none = assertThrows(HubException.class,
                () -> new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE));
        assertEquals(HubException.Reason.ACCESS_DENIED, none.reason());
        assertTrue(none.getMessage().contains("accept its licence on " + hub.endpoint() + "/" + ID)
                && none.getMessage().contains("HF_TOKEN") && none.getMessage().contains("no token was sent"),
                none.getMessage());
        HubException wrong = assertThrows(HubException.class, () -> new ModelDownloader(
                settings().withToken("hf_other")).download(ID, "main", DownloadListener.NONE));
        assertEquals(HubException.Reason.ACCESS_DENIED, wrong.reason());
        assertTrue(wrong.getMessage().contains("403") && wrong.getMessage().contains("the token sent has no access"),
                wrong.getMessage());

        hub.clearRequests();
        Path dir = new ModelDownloader(settings().withToken("hf_secret")).download(ID, "main",
                DownloadListener.NONE);
        assertTrue(Files.exists(dir.resolve(SHARD1)));
        for (Request r : hub.requests()) {
            assertEquals(r.server().equals("hub") ? "Bearer hf_secret" : null, r.authorization(), r.toString());
        }
        assertTrue(hub.requests().stream().anyMatch(r -> r.server().equals("cdn")));

        // Refused later (no token now) with a usable snapshot in the cache: that snapshot, as huggingface_hub does.
        Files.delete(dir.resolve("generation_config.json")); // not complete, so the hub is asked
        assertEquals(dir, new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE));
    }

    @Test
    void notEnoughDiskSpaceStopsBeforeAnythingIsDownloaded() {
        hub.serve(ID, singleFileRepo());
        ModelDownloader d = new ModelDownloader(settings());
        d.usableSpace = dir -> 50_000;
        HubException e = assertThrows(HubException.class, () -> d.download(ID, "main", DownloadListener.NONE));
        assertEquals(HubException.Reason.DISK_FULL, e.reason());
        assertTrue(e.getMessage().contains("needs 120 kB") && e.getMessage().contains("50.0 kB is free"),
                e.getMessage());
        assertEquals(1, hub.requests().size(), "only the model info: " + hub.requests());
    }

    @Test
    void progressCountsBytesFilesAndWhatWasCached() {
        Map<String, byte[]> files = shardedRepo();
        hub.serve(ID, files);
        List<String> lines = new ArrayList<>();
        List<Integer> percents = new ArrayList<>();
        DownloadListener recorder = new DownloadListener() {
            final ProgressLog log = new ProgressLog(lines::add, Duration.ofHours(1));

            @Override
            public void started(DownloadProgress p) {
                log.started(p);
            }

            @Override
            public synchronized void progressed(DownloadProgress p) {
                percents.add(p.percent());
                log.progressed(p);
            }

            @Override
            public void finished(DownloadProgress p) {
                assertEquals(p.totalBytes(), p.doneBytes());
                assertEquals(7, p.fileCount());
                assertEquals(7, p.filesDone());
                log.finished(p);
            }
        };
        long total = Stream.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                INDEX, SHARD1, SHARD2).mapToLong(n -> files.get(n).length).sum();
        new ModelDownloader(settings().withParallelDownloads(1)).download(ID, "main", recorder);
        assertTrue(lines.get(0).startsWith("Downloading " + ID + " (revision main, commit "), lines.get(0));
        assertTrue(lines.get(0).contains("7 files, " + HumanUnits.bytes(total)), lines.get(0));
        assertTrue(lines.get(lines.size() - 1).startsWith("Downloaded " + ID + " in "), lines.toString());
        // a line per 10 % passed (one at most per decile), never decreasing
        assertTrue(lines.size() >= 6 && lines.size() <= 12, lines.toString());
        for (int i = 1; i < percents.size(); i++) {
            assertTrue(percents.get(i) >= percents.get(i - 1), percents.toString());
        }
        assertEquals(100, percents.get(percents.size() - 1));
    }

    @Test
    void twoThreadsDownloadingTheSameModelEndWithOneCorrectCopy() throws Exception {
        Map<String, byte[]> files = shardedRepo();
        FakeHub.Repo repo = hub.serve(ID, files).throttle(600_000);
        CountDownLatch go = new CountDownLatch(1);
        Callable<Path> job = () -> {
            go.await();
            return new ModelDownloader(settings()).download(ID, "main", DownloadListener.NONE);
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Path> a = pool.submit(job);
            Future<Path> b = pool.submit(job);
            go.countDown();
            assertEquals(a.get(1, TimeUnit.MINUTES), b.get(1, TimeUnit.MINUTES));
            assertEquals(2, hub.requests("GET", "/revision/main").size(), "both found the snapshot incomplete");
            assertOneCorrectCopy(files, repo, a.get());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoProcessesDownloadingTheSameModelEndWithOneCorrectCopy() throws Exception {
        Map<String, byte[]> files = shardedRepo();
        FakeHub.Repo repo = hub.serve(ID, files).throttle(150_000); // slow enough for both to start meanwhile
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            processes.add(new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    DownloadInAnotherProcess.class.getName(), hub.endpoint(), cache.toString(), ID)
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("process-" + i + ".log").toFile())
                    .start());
        }
        List<String> outputs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            assertTrue(processes.get(i).waitFor(2, TimeUnit.MINUTES), "process " + i + " did not finish");
            String out = Files.readString(tmp.resolve("process-" + i + ".log"));
            assertEquals(0, processes.get(i).exitValue(), out);
            outputs.add(out.lines().filter(l -> l.startsWith("snapshot ")).findFirst().orElse(out));
        }
        assertEquals(outputs.get(0), outputs.get(1));
        assertEquals(2, hub.requests("GET", "/revision/main").size(), "both found the snapshot incomplete");
        Path dir = Path.of(outputs.get(0).substring("snapshot ".length()));
        assertOneCorrectCopy(files, repo, dir);
    }

    /** Each file was transferred once, and the cache holds exactly one complete, correct blob for it. */
    private void assertOneCorrectCopy(Map<String, byte[]> files, FakeHub.Repo repo, Path dir) throws IOException {
        for (String name : List.of("config.json", "tokenizer.json", INDEX, SHARD1, SHARD2)) {
            assertArrayEquals(files.get(name), Files.readAllBytes(dir.resolve(name)), name);
            String path = repo.isLfs(name) ? repo.etag(name) : "/" + name;
            long sent = hub.requests("GET", path).stream().mapToLong(Request::bytesSent).sum();
            assertEquals(files.get(name).length, sent, name + " transferred more than once: "
                    + hub.requests("GET", path));
        }
        try (Stream<Path> blobs = Files.list(new HubCache(cache, new RepoId(ID)).repoDir().resolve("blobs"))) {
            List<String> names = blobs.map(p -> p.getFileName().toString()).toList();
            assertEquals(7, names.size(), names.toString());
            assertTrue(names.stream().noneMatch(n -> n.endsWith(".incomplete")), names.toString());
        }
    }
}
