package dev.internvl.hub;

import dev.internvl.hub.HubException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets an InternVL checkpoint from the Hugging Face hub into the hub cache, shared with Python's
 * {@code huggingface_hub} (see {@link HubCache}), and returns its snapshot folder, which loads like any checkpoint
 * folder:
 *
 * <pre>{@code
 * Path dir = new ModelDownloader(HubSettings.fromEnvironment())
 *         .download("OpenGVLab/InternVL2-1B", "main", new ProgressLog(System.err::println));
 * InternVL engine = InternVL.load(dir);
 * }</pre>
 *
 * <p>Only the files the engine reads are fetched ({@link CheckpointFiles}), several at a time. Each goes to
 * {@code blobs/<etag>.incomplete} first, continues from there with a {@code Range} request after an interruption
 * (in this run after a dropped connection, or in a later run), is checked against its size and, for LFS files
 * (weights), its sha256, and only then is moved into place and linked from the snapshot. A lock file per blob keeps
 * two downloaders (threads or processes) from writing the same file. When the revision's snapshot is already
 * complete in the cache, nothing is asked of the hub; with {@code HF_HUB_OFFLINE=1} the cache is all there is.
 */
public final class ModelDownloader {

    private static final Logger log = LoggerFactory.getLogger(ModelDownloader.class);
    private static final int CHUNK = 1 << 16;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final HubSettings settings;
    private final HubClient client;
    /** The free space of a folder (replaced by tests). */
    ToLongFunction<Path> usableSpace = ModelDownloader::usableSpace;

    public ModelDownloader(HubSettings settings) {
        this.settings = settings;
        this.client = new HubClient(settings);
    }

    /** The settings this downloader uses. */
    public HubSettings settings() {
        return settings;
    }

    /** {@link #download(String, String, DownloadListener)} at {@code main}, without progress reports. */
    public Path download(String repoId) {
        return download(repoId, "main", DownloadListener.NONE);
    }

    /**
     * The snapshot folder of {@code repoId} at {@code revision} (a branch, tag or commit id; {@code main} when null or
     * blank), downloading the files of it that the cache lacks.
     *
     * @throws IllegalArgumentException when {@code repoId} is not a model id
     * @throws HubException when the model cannot be had: see {@link HubException.Reason}
     */
    public Path download(String repoId, String revision, DownloadListener listener) {
        return download(repoId, revision, listener, true);
    }

    /**
     * Like {@link #download(String, String, DownloadListener)}, but without the weights: the configuration,
     * tokenizer and template files (and the shard index), a few megabytes, enough to inspect what the checkpoint
     * is and how much memory it will take before its weights are fetched.
     */
    public Path downloadWithoutWeights(String repoId, String revision, DownloadListener listener) {
        return download(repoId, revision, listener, false);
    }

    private Path download(String repoId, String revision, DownloadListener listener, boolean weights) {
        RepoId repo = new RepoId(repoId);
        String rev = revision == null || revision.isBlank() ? "main" : revision.strip();
        HubCache cache = new HubCache(settings.cacheDir(), repo);
        Optional<String> known = cache.commitOf(rev);
        if (known.isPresent() && (weights ? CheckpointFiles.complete(cache, known.get())
                : Files.exists(cache.snapshot(known.get()).resolve("config.json")))) {
            log.debug("{}@{}: complete in the cache at {}", repo, rev, cache.snapshot(known.get()));
            return cache.snapshot(known.get());
        }
        if (settings.offline()) {
            return offline(cache, repo, rev, known);
        }
        DownloadProgress progress = new DownloadProgress(repo.value(), rev, settings.cacheDir());
        try {
            return online(cache, repo, rev, progress, listener, weights);
        } catch (HubException e) {
            boolean unreachable = e.reason() == Reason.NETWORK || e.reason() == Reason.ACCESS_DENIED;
            if (unreachable && progress.phase() == DownloadProgress.Phase.RESOLVING
                    && known.isPresent() && CheckpointFiles.missing(cache.snapshot(known.get())).isEmpty()) {
                // as huggingface_hub: a hub that cannot be reached or refuses (a token that expired) leaves the
                // cached snapshot usable
                log.warn("{}: {}; using the cached snapshot {}", repo, e.getMessage(), cache.snapshot(known.get()));
                return cache.snapshot(known.get());
            }
            progress.phase(DownloadProgress.Phase.FAILED);
            listener.failed(progress, e);
            throw e;
        }
    }

    /** The cached snapshot of {@code repoId} at {@code revision} if it can be loaded as it is, without the hub. */
    public Optional<Path> cached(String repoId, String revision) {
        RepoId repo = new RepoId(repoId);
        HubCache cache = new HubCache(settings.cacheDir(), repo);
        return cache.commitOf(revision == null || revision.isBlank() ? "main" : revision.strip())
                .map(cache::snapshot)
                .filter(dir -> CheckpointFiles.missing(dir).isEmpty());
    }

    private Path offline(HubCache cache, RepoId repo, String rev, Optional<String> known) {
        if (known.isEmpty()) {
            throw new HubException(Reason.NOT_CACHED, repo + " (revision " + rev + "): offline (HF_HUB_OFFLINE=1) "
                    + "and not in the cache " + settings.cacheDir() + (Files.isDirectory(cache.repoDir())
                    ? " (" + cache.repoDir() + " has no refs/" + rev + ")" : "")
                    + "; download it once with the network, or unset HF_HUB_OFFLINE");
        }
        Path snapshot = cache.snapshot(known.get());
        List<String> missing = CheckpointFiles.missing(snapshot);
        if (!missing.isEmpty()) {
            throw new HubException(Reason.NOT_CACHED, repo + " (revision " + rev + "): offline (HF_HUB_OFFLINE=1) "
                    + "and the cached snapshot " + snapshot + " lacks " + String.join(", ", missing)
                    + "; download it once with the network, or unset HF_HUB_OFFLINE");
        }
        return snapshot;
    }

    private Path online(HubCache cache, RepoId repo, String rev, DownloadProgress progress,
                        DownloadListener listener, boolean weights) {
        String what = repo + " (revision " + rev + ")";
        RepoInfo info = client.modelInfo(repo, rev);
        String commit = info.commit();
        progress.resolved(commit);
        Map<String, RepoInfo.RepoFile> listed = info.byName();
        if (!listed.containsKey("config.json")) {
            throw new HubException(Reason.PROTOCOL, what + ": the repository has no config.json, so it is not a "
                    + "model checkpoint in the Hugging Face layout");
        }
        boolean sharded = listed.containsKey(CheckpointFiles.INDEX);
        if (!sharded && !listed.containsKey(CheckpointFiles.SINGLE)) {
            throw new HubException(Reason.PROTOCOL, what + ": the repository has no safetensors weights ("
                    + CheckpointFiles.SINGLE + " or " + CheckpointFiles.INDEX + "); the engine reads safetensors "
                    + "only");
        }
        List<String> files = new ArrayList<>();
        for (String name : CheckpointFiles.SMALL) {
            if (listed.containsKey(name)) {
                files.add(name);
            }
        }
        if (weights || sharded) {
            files.add(sharded ? CheckpointFiles.INDEX : CheckpointFiles.SINGLE);
        }
        for (String name : files) {
            progress.plan(name, listed.get(name).size());
        }
        if (sharded && weights) { // the index names the shards: it comes first
            fetchFile(cache, repo, commit, CheckpointFiles.INDEX, progress, DownloadListener.NONE,
                    new AtomicBoolean());
            for (String shard : CheckpointFiles.shards(cache.pointer(commit, CheckpointFiles.INDEX), what)) {
                RepoInfo.RepoFile f = listed.get(shard);
                if (f == null) {
                    throw new HubException(Reason.PROTOCOL, what + ": " + CheckpointFiles.INDEX + " lists the shard "
                            + shard + ", which the repository does not have");
                }
                files.add(shard);
                progress.plan(shard, f.size());
            }
        }
        checkFreeSpace(cache, commit, files, listed, what);
        for (String name : files) {
            if (Files.exists(cache.pointer(commit, name))) {
                progress.cached(name);
            }
        }
        progress.phase(DownloadProgress.Phase.DOWNLOADING);
        listener.started(progress);
        fetchAll(cache, repo, commit, files, progress, listener);
        for (String name : CheckpointFiles.candidates()) {
            if (!listed.containsKey(name)) {
                cache.markMissing(commit, name);
            }
        }
        cache.writeRef(rev, commit);
        progress.phase(DownloadProgress.Phase.DONE);
        listener.finished(progress);
        return cache.snapshot(commit);
    }

    /** Fails before anything large is written when the files the cache lacks do not fit on its disk. */
    private void checkFreeSpace(HubCache cache, String commit, List<String> files,
                                Map<String, RepoInfo.RepoFile> listed, String what) {
        long needed = 0;
        for (String name : files) {
            if (Files.exists(cache.pointer(commit, name))) {
                continue;
            }
            RepoInfo.RepoFile f = listed.get(name);
            long size = Math.max(0, f.size());
            String sha = f.lfsSha256();
            if (sha != null && HubCache.SHA256.matcher(sha).matches()) {
                if (Files.exists(cache.blob(sha))) {
                    continue;
                }
                size -= sizeOf(cache.incomplete(sha));
            }
            needed += Math.max(0, size);
        }
        Path dir = cache.repoDir();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new HubException(Reason.IO, what + ": cannot create the cache folder " + dir + " ("
                    + e.getMessage() + "); set HF_HUB_CACHE (or HF_HOME) to a writable folder", e);
        }
        long free = usableSpace.applyAsLong(dir);
        if (needed > free) {
            throw new HubException(Reason.DISK_FULL, what + ": the download needs " + HumanUnits.bytes(needed)
                    + " but only " + HumanUnits.bytes(free) + " is free in " + dir + "; free some space or set "
                    + "HF_HUB_CACHE (or HF_HOME) to a folder on a larger disk");
        }
    }

    private void fetchAll(HubCache cache, RepoId repo, String commit, List<String> files, DownloadProgress progress,
                          DownloadListener listener) {
        int threads = Math.min(settings.parallelDownloads(), Math.max(1, files.size()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "hub-download-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        AtomicBoolean cancelled = new AtomicBoolean();
        List<Future<?>> futures = new ArrayList<>();
        for (String name : files) {
            futures.add(pool.submit(() -> fetchFile(cache, repo, commit, name, progress, listener, cancelled)));
        }
        HubException error = null;
        try {
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (error == null) {
                        error = asHubException(e.getCause(), repo + "@" + commit);
                        cancelled.set(true);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancelled.set(true);
            error = new HubException(Reason.NETWORK, repo + ": download interrupted", e);
        } finally {
            pool.shutdownNow();
            try {
                pool.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (error != null) {
            throw error;
        }
    }

    private static HubException asHubException(Throwable t, String what) {
        if (t instanceof HubException h) {
            return h;
        }
        if (t instanceof UncheckedIOException u) {
            return new HubException(Reason.IO, what + ": " + u.getCause().getMessage(), u.getCause());
        }
        return new HubException(Reason.IO, what + ": " + t, t);
    }

    /** One file into the cache and the snapshot: linked from a blob that is there, else downloaded under the lock. */
    private void fetchFile(HubCache cache, RepoId repo, String commit, String name, DownloadProgress progress,
                           DownloadListener listener, AtomicBoolean cancelled) {
        Path pointer = cache.pointer(commit, name);
        if (Files.exists(pointer)) {
            progress.cached(name);
            listener.progressed(progress);
            return;
        }
        FileMetadata meta = client.fileMetadata(repo, commit, name);
        progress.plan(name, meta.size());
        Path blob = cache.blob(meta.etag());
        String what = repo + "@" + commit.substring(0, 12) + ": " + name;
        boolean transferred = false;
        try (CacheLock lock = CacheLock.acquire(cache.lockFile(meta.etag()), what)) {
            if (!Files.exists(blob)) {
                Path incomplete = cache.incomplete(meta.etag());
                transfer(repo, commit, name, meta, incomplete, progress, listener, cancelled);
                Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                transferred = true;
            }
            cache.link(blob, pointer, transferred);
        } catch (IOException e) {
            throw new HubException(isDiskFull(e) ? Reason.DISK_FULL : Reason.IO, what + ": cannot write "
                    + blob.getParent() + " (" + e.getMessage() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(Reason.NETWORK, what + ": download interrupted", e);
        }
        if (transferred) {
            progress.fileDone(name);
        } else {
            progress.cached(name);
        }
        listener.progressed(progress);
    }

    /**
     * Fills {@code incomplete} up to the file's size, continuing from what it holds, retrying dropped connections
     * (from where they dropped) with backoff, then checks the size and, for an LFS file, the sha256. A file that fails
     * the check is deleted.
     */
    private void transfer(RepoId repo, String commit, String name, FileMetadata meta, Path incomplete,
                          DownloadProgress progress, DownloadListener listener, AtomicBoolean cancelled) {
        String what = repo + "@" + commit.substring(0, 12) + ": " + name;
        long size = meta.size();
        Digest digest = new Digest(meta.isLfs());
        int attempt = 0;
        while (true) {
            long have = sizeOf(incomplete);
            if (have > size) {
                delete(incomplete, what);
                have = 0;
            }
            if (have > 0) {
                log.info("{}: resuming the download from {} of {}", what, HumanUnits.bytes(have),
                        HumanUnits.bytes(size));
            }
            progress.fileStarted(name, size, have);
            listener.progressed(progress);
            long before = have;
            try {
                if (have < size) {
                    receive(repo, commit, name, meta, incomplete, have, digest, progress, listener, cancelled);
                }
                long got = sizeOf(incomplete);
                if (got < size) {
                    throw new IOException("the connection ended after " + got + " of " + size + " bytes");
                }
                if (got > size) {
                    delete(incomplete, what);
                    throw new HubException(Reason.CHECKSUM, what + ": the hub sent " + got + " bytes where it "
                            + "announced " + size + "; the partial file was deleted, run again to retry");
                }
                digest.check(incomplete, size, meta.etag(), what);
                return;
            } catch (IOException e) {
                long now = sizeOf(incomplete);
                if (now > before) {
                    attempt = 0; // data arrived: the retries start over, as huggingface_hub's do
                }
                if (!HubClient.isTransient(e) || attempt >= client.maxRetries()) {
                    throw client.networkFailure(what, e);
                }
                log.info("{}: the connection dropped after {} ({}); resuming", what, HumanUnits.bytes(now),
                        e.getMessage());
                client.backoff(attempt++);
            }
        }
    }

    /** One {@code GET} of the rest of the file, appended to {@code incomplete}; read failures are IOExceptions. */
    private void receive(RepoId repo, String commit, String name, FileMetadata meta, Path incomplete, long have,
                         Digest digest, DownloadProgress progress, DownloadListener listener,
                         AtomicBoolean cancelled) throws IOException {
        String what = repo + "@" + commit.substring(0, 12) + ": " + name;
        HttpResponse<InputStream> r = client.openContent(meta.location(), have, repo, commit, name);
        try (InputStream in = r.body()) {
            int status = r.statusCode();
            long from = 0;
            if (status == 206) {
                from = have;
                String range = r.headers().firstValue("Content-Range").orElse("");
                Matcher m = CONTENT_RANGE.matcher(range);
                if (m.find() && Long.parseLong(m.group(1)) != have) {
                    from = -1; // not the part asked for: start over
                }
            } else if (status == 416) {
                from = -1; // the partial file does not fit the server's: start over
            }
            if (from != have || have == 0) {
                if (have > 0) {
                    log.info("{}: the server did not continue the partial download; starting over", what);
                }
                delete(incomplete, what);
                progress.restarted(name);
                digest.reset();
                if (from < 0) {
                    throw new IOException("the server refused to continue from byte " + have);
                }
                have = 0;
            }
            digest.catchUp(incomplete, have);
            FileChannel channel;
            try {
                Files.createDirectories(incomplete.getParent());
                channel = FileChannel.open(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw writeFailure(incomplete, what, e);
            }
            try (FileChannel out = channel) {
                byte[] buf = new byte[CHUNK];
                int n;
                while ((n = in.read(buf)) != -1) {
                    if (cancelled.get()) {
                        throw new HubException(Reason.NETWORK, what + ": cancelled");
                    }
                    write(out, buf, n, incomplete, what);
                    digest.update(buf, n);
                    progress.received(name, n);
                    listener.progressed(progress);
                }
                try {
                    out.force(false);
                } catch (IOException e) {
                    throw writeFailure(incomplete, what, e);
                }
            }
        }
    }

    private static void write(FileChannel out, byte[] buf, int n, Path file, String what) {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
        try {
            while (b.hasRemaining()) {
                out.write(b);
            }
        } catch (IOException e) {
            throw writeFailure(file, what, e);
        }
    }

    private static HubException writeFailure(Path file, String what, IOException e) {
        if (isDiskFull(e)) {
            return new HubException(Reason.DISK_FULL, what + ": the disk is full (" + file.getParent() + "); "
                    + "the partial download " + file.getFileName() + " is kept, free some space and run again to "
                    + "resume it", e);
        }
        return new HubException(Reason.IO, what + ": cannot write " + file + " (" + e.getMessage() + ")", e);
    }

    static boolean isDiskFull(IOException e) {
        String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        return m.contains("no space left") || m.contains("not enough space") || m.contains("disk quota");
    }

    private static long sizeOf(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void delete(Path p, String what) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new HubException(Reason.IO, what + ": cannot delete " + p + " (" + e.getMessage() + ")", e);
        }
    }

    private static long usableSpace(Path dir) {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE; // unknown: let the writes tell
        }
    }

    /** The running sha256 of an LFS file's bytes, for the check against its etag (nothing for other files). */
    private static final class Digest {
        private final boolean enabled;
        private MessageDigest sha;
        private long hashed;

        Digest(boolean enabled) {
            this.enabled = enabled;
            reset();
        }

        void reset() {
            if (enabled) {
                try {
                    sha = MessageDigest.getInstance("SHA-256");
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
            hashed = 0;
        }

        /** Makes the digest cover the first {@code length} bytes of {@code file} (those of an earlier run). */
        void catchUp(Path file, long length) throws IOException {
            if (!enabled || hashed == length) {
                return;
            }
            reset();
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[CHUNK];
                long left = length;
                while (left > 0) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new IOException(file + " is shorter than " + length + " bytes");
                    }
                    sha.update(buf, 0, n);
                    left -= n;
                }
            }
            hashed = length;
        }

        void update(byte[] buf, int n) {
            if (enabled) {
                sha.update(buf, 0, n);
            }
            hashed += n;
        }

        void check(Path file, long size, String etag, String what) throws IOException {
            if (!enabled) {
                return;
            }
            catchUp(file, size);
            String actual = HexFormat.of().formatHex(sha.digest());
            reset();
            if (!actual.equals(etag)) {
                Files.deleteIfExists(file);
                throw new HubException(Reason.CHECKSUM, what + ": checksum mismatch, the downloaded bytes have "
                        + "sha256 " + actual + " where the hub announced " + etag + "; the file was deleted and not "
                        + "put in the cache, run again to download it anew");
            }
        }
    }
}
