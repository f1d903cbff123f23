package dev.internvl.hub;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Download progress as plain lines, for logs and for output that is not a terminal: one line when the download
 * starts (what, where, how much), one each time it passes another 10 % or when {@code every} has passed since the
 * last line, and one at the end.
 */
public final class ProgressLog implements DownloadListener {

    private final Consumer<String> sink;
    private final long everyNanos;
    private long lastNanos;
    private int lastDecile;

    /** Lines to {@code sink}, at least every 10 %, or every 5 seconds. */
    public ProgressLog(Consumer<String> sink) {
        this(sink, Duration.ofSeconds(5));
    }

    /** Lines to {@code sink}, at least every 10 %, or each time {@code every} has passed. */
    public ProgressLog(Consumer<String> sink, Duration every) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.everyNanos = every.toNanos();
    }

    @Override
    public synchronized void started(DownloadProgress p) {
        lastNanos = System.nanoTime();
        lastDecile = p.percent() / 10;
        long cached = p.cachedBytes();
        sink.accept("Downloading " + p.repoId() + " (revision " + p.revision()
                + p.commit().map(c -> c.equals(p.revision()) ? "" : ", commit " + c.substring(0, 12)).orElse("")
                + ") into " + p.cacheDir() + ": " + p.fileCount() + " files, " + HumanUnits.bytes(p.totalBytes())
                + (cached > 0 ? " (" + HumanUnits.bytes(cached) + " already there)" : ""));
    }

    @Override
    public synchronized void progressed(DownloadProgress p) {
        long now = System.nanoTime();
        int decile = p.percent() / 10;
        if (decile > lastDecile || now - lastNanos >= everyNanos) {
            if (p.doneBytes() >= p.totalBytes() && decile >= 10) {
                lastDecile = decile;
                return; // the end line says it
            }
            lastDecile = decile;
            lastNanos = now;
            sink.accept(p.repoId() + ": " + p.summary());
        }
    }

    @Override
    public synchronized void finished(DownloadProgress p) {
        long transferred = p.transferredBytes();
        sink.accept("Downloaded " + p.repoId() + " in " + HumanUnits.duration(p.elapsed()) + " ("
                + HumanUnits.bytes(transferred) + (transferred > 0 ? ", " + HumanUnits.rate(p.bytesPerSecond()) : "")
                + "; " + p.fileCount() + " files, " + HumanUnits.bytes(p.totalBytes()) + " in all)");
    }
}
