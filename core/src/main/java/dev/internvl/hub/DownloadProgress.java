package dev.internvl.hub;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The live state of one model download, safe to read from any thread while it runs: the files with their sizes and
 * bytes done, the total, the transfer rate and the time left. Bytes already in the cache (whole blobs, or the part
 * of an interrupted download that is resumed) count as done but not towards the rate.
 */
public final class DownloadProgress {

    /** Where the download is. */
    public enum Phase {
        /** Asking the hub for the files and their sizes. */
        RESOLVING,
        /** Transferring files. */
        DOWNLOADING,
        /** Every file is in the cache. */
        DONE,
        /** Stopped by an error. */
        FAILED
    }

    /** Where one file is. */
    public enum FileState {
        /** Not started yet. */
        WAITING,
        /** Transferring (or waiting for another process that transfers it). */
        DOWNLOADING,
        /** Transferred and checked in this download. */
        DONE,
        /** Was in the cache already. */
        CACHED
    }

    /**
     * One file as it stands.
     *
     * @param name the path in the repository
     * @param size its size in bytes (-1 if unknown)
     * @param done bytes on disk so far
     * @param state where it is
     * @param bytesPerSecond its own transfer rate since it started (0 when not transferring)
     */
    public record FileView(String name, long size, long done, FileState state, double bytesPerSecond) {

        /** Done as a fraction of the size, 0 to 1. */
        public double fraction() {
            return size <= 0 ? (state == FileState.DONE || state == FileState.CACHED ? 1 : 0)
                    : Math.min(1, (double) done / size);
        }
    }

    private static final class Entry {
        final String name;
        long size;
        long done;
        long startDone;
        long startNanos;
        FileState state = FileState.WAITING;

        Entry(String name, long size) {
            this.name = name;
            this.size = size;
        }
    }

    private final String repoId;
    private final String revision;
    private final Path cacheDir;
    private final long createdNanos = System.nanoTime();
    private final Map<String, Entry> files = new LinkedHashMap<>();
    private String commit;
    private Phase phase = Phase.RESOLVING;
    private long transferred;
    private long firstByteNanos;
    private long endNanos;

    DownloadProgress(String repoId, String revision, Path cacheDir) {
        this.repoId = repoId;
        this.revision = revision;
        this.cacheDir = cacheDir;
    }

    /** The model id. */
    public String repoId() {
        return repoId;
    }

    /** The revision asked for (a branch, tag or commit). */
    public String revision() {
        return revision;
    }

    /** The hub cache folder the files go to. */
    public Path cacheDir() {
        return cacheDir;
    }

    /** The commit the revision resolved to, once known. */
    public synchronized Optional<String> commit() {
        return Optional.ofNullable(commit);
    }

    /** Where the download is. */
    public synchronized Phase phase() {
        return phase;
    }

    /** The bytes of all files (those of unknown size count as 0). */
    public synchronized long totalBytes() {
        long t = 0;
        for (Entry e : files.values()) {
            t += Math.max(0, e.size);
        }
        return t;
    }

    /** The bytes on disk so far, cached ones included. */
    public synchronized long doneBytes() {
        long t = 0;
        for (Entry e : files.values()) {
            t += e.done;
        }
        return t;
    }

    /** The bytes on disk before this download began (whole cached files and resumed parts). */
    public synchronized long cachedBytes() {
        long t = 0;
        for (Entry e : files.values()) {
            t += e.state == FileState.CACHED ? e.done : e.startDone;
        }
        return t;
    }

    /** The bytes received over the network in this download. */
    public synchronized long transferredBytes() {
        return transferred;
    }

    /** Done as a fraction of the total, 0 to 1 (1 when there is nothing to do). */
    public synchronized double fraction() {
        long total = totalBytes();
        return total == 0 ? (phase == Phase.RESOLVING ? 0 : 1) : Math.min(1, (double) doneBytes() / total);
    }

    /** Done in whole percent, 0 to 100. */
    public int percent() {
        return (int) Math.floor(fraction() * 100);
    }

    /** The transfer rate since the first byte arrived (0 before). */
    public synchronized double bytesPerSecond() {
        if (firstByteNanos == 0) {
            return 0;
        }
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        double seconds = Math.max(1e-3, (end - firstByteNanos) / 1e9);
        return transferred / seconds;
    }

    /** The time left at the current rate, if there is a rate yet. */
    public synchronized Optional<Duration> remaining() {
        double rate = bytesPerSecond();
        if (rate <= 0 || firstByteNanos == 0 || System.nanoTime() - firstByteNanos < 1_000_000_000L) {
            return Optional.empty();
        }
        long left = Math.max(0, totalBytes() - doneBytes());
        return Optional.of(Duration.ofMillis((long) (left / rate * 1000)));
    }

    /** The time since the download began. */
    public synchronized Duration elapsed() {
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        return Duration.ofNanos(end - createdNanos);
    }

    /** The files, in the order they were planned. */
    public synchronized List<FileView> files() {
        List<FileView> out = new ArrayList<>(files.size());
        long now = System.nanoTime();
        for (Entry e : files.values()) {
            double rate = 0;
            if (e.state == FileState.DOWNLOADING && e.startNanos != 0) {
                rate = (e.done - e.startDone) / Math.max(1e-3, (now - e.startNanos) / 1e9);
            }
            out.add(new FileView(e.name, e.size, e.done, e.state, rate));
        }
        return out;
    }

    /** How many files there are. */
    public synchronized int fileCount() {
        return files.size();
    }

    /** How many files are in the cache now (cached before, or done). */
    public synchronized int filesDone() {
        int n = 0;
        for (Entry e : files.values()) {
            if (e.state == FileState.DONE || e.state == FileState.CACHED) {
                n++;
            }
        }
        return n;
    }

    /** How many files were already in the cache. */
    public synchronized int filesCached() {
        int n = 0;
        for (Entry e : files.values()) {
            if (e.state == FileState.CACHED) {
                n++;
            }
        }
        return n;
    }

    /** One line: {@code 43 % (812 MB of 1.9 GB), 12.3 MB/s, about 1 min 30 s left, 5 of 12 files}. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(percent()).append(" % (").append(HumanUnits.bytes(doneBytes())).append(" of ")
                .append(HumanUnits.bytes(totalBytes())).append(")");
        double rate = bytesPerSecond();
        if (rate > 0) {
            s.append(", ").append(HumanUnits.rate(rate));
        }
        remaining().filter(d -> d.toSeconds() >= 1)
                .ifPresent(d -> s.append(", about ").append(HumanUnits.duration(d)).append(" left"));
        s.append(", ").append(filesDone()).append(" of ").append(fileCount()).append(" files");
        return s.toString();
    }

    synchronized void resolved(String commit) {
        this.commit = commit;
    }

    /** Adds a file to the plan (again: updates its size). */
    synchronized void plan(String name, long size) {
        Entry e = files.get(name);
        if (e == null) {
            files.put(name, new Entry(name, size));
        } else if (size >= 0) {
            e.size = size;
        }
    }

    synchronized void phase(Phase phase) {
        this.phase = phase;
        if (phase == Phase.DONE || phase == Phase.FAILED) {
            endNanos = System.nanoTime();
        }
    }

    synchronized void cached(String name) {
        Entry e = entry(name);
        e.state = FileState.CACHED;
        e.done = Math.max(0, e.size);
    }

    /** The file starts transferring with {@code onDisk} bytes already there (resumed). */
    synchronized void fileStarted(String name, long size, long onDisk) {
        Entry e = entry(name);
        if (size >= 0) {
            e.size = size;
        }
        e.state = FileState.DOWNLOADING;
        e.done = onDisk;
        e.startDone = onDisk;
        e.startNanos = System.nanoTime();
    }

    /** {@code bytes} more arrived for the file. */
    synchronized void received(String name, long bytes) {
        Entry e = entry(name);
        e.done += bytes;
        transferred += bytes;
        if (firstByteNanos == 0 && bytes > 0) {
            firstByteNanos = System.nanoTime();
        }
    }

    /** The file starts over from nothing (the server ignored the range, or the partial file was bad). */
    synchronized void restarted(String name) {
        Entry e = entry(name);
        e.done = 0;
        e.startDone = 0;
    }

    synchronized void fileDone(String name) {
        Entry e = entry(name);
        e.state = FileState.DONE;
        if (e.size >= 0) {
            e.done = e.size;
        }
    }

    private Entry entry(String name) {
        return files.computeIfAbsent(name, n -> new Entry(n, -1));
    }
}
