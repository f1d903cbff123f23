package dev.internvl.cli;

import dev.internvl.hub.DownloadListener;
import dev.internvl.hub.DownloadProgress;
import dev.internvl.hub.DownloadProgress.FileView;
import dev.internvl.hub.HubException;
import dev.internvl.hub.HumanUnits;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A download's progress on a terminal: a bar for each file being transferred and one for the total (bytes, rate, time
 * left), redrawn in place at most ten times a second with ANSI cursor movements; each finished file then scrolls up
 * as a plain line.
 */
final class ProgressBar implements DownloadListener {

    private static final long REDRAW_NANOS = 100_000_000L;
    private static final String CLEAR_LINE = "\u001b[2K";

    private final PrintStream out;
    private final int width;
    private final Set<String> reported = new HashSet<>();
    private long lastDraw;
    private int drawnLines;

    ProgressBar(PrintStream out, int width) {
        this.out = out;
        this.width = Math.max(60, width);
    }

    /** The terminal's width from {@code COLUMNS}, else 100. */
    static int terminalWidth() {
        try {
            String columns = System.getenv("COLUMNS");
            return columns == null ? 100 : Integer.parseInt(columns.strip());
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    @Override
    public synchronized void started(DownloadProgress p) {
        long cached = p.cachedBytes();
        out.println("Downloading " + p.repoId() + " (revision " + p.revision()
                + p.commit().map(c -> c.equals(p.revision()) ? "" : ", commit " + c.substring(0, 12)).orElse("")
                + ") into " + p.cacheDir() + ": " + p.fileCount() + " files, " + HumanUnits.bytes(p.totalBytes())
                + (cached > 0 ? ", " + HumanUnits.bytes(cached) + " already there" : ""));
        draw(p);
    }

    @Override
    public synchronized void progressed(DownloadProgress p) {
        if (System.nanoTime() - lastDraw >= REDRAW_NANOS) {
            draw(p);
        }
    }

    @Override
    public synchronized void finished(DownloadProgress p) {
        draw(p);
        out.println("Downloaded " + p.repoId() + " in " + HumanUnits.duration(p.elapsed()) + " ("
                + HumanUnits.bytes(p.transferredBytes()) + ", " + HumanUnits.rate(p.bytesPerSecond()) + ")");
    }

    @Override
    public synchronized void failed(DownloadProgress p, HubException error) {
        if (drawnLines > 0) {
            draw(p); // the state it stopped in stays on the screen
        }
    }

    private void draw(DownloadProgress p) {
        lastDraw = System.nanoTime();
        StringBuilder s = new StringBuilder();
        if (drawnLines > 0) {
            s.append("\u001b[").append(drawnLines).append('F'); // back to the first line drawn last time
        }
        List<FileView> files = p.files();
        int nameWidth = Math.min(30, files.stream().mapToInt(f -> f.name().length()).max().orElse(5));
        nameWidth = Math.max(nameWidth, 5);
        int barWidth = Math.max(12, Math.min(30, width - nameWidth - 9 - 50)); // the same for every line
        for (FileView f : files) {
            boolean over = f.state() == DownloadProgress.FileState.DONE
                    || f.state() == DownloadProgress.FileState.CACHED;
            if (over && reported.add(f.name())) {
                s.append(CLEAR_LINE).append("  ").append(f.state() == DownloadProgress.FileState.CACHED ? "cached "
                        : "done   ").append(pad(f.name(), nameWidth)).append("  ").append(HumanUnits.bytes(f.size()))
                        .append('\n');
            }
        }
        int lines = 0;
        for (FileView f : files) {
            if (f.state() == DownloadProgress.FileState.DOWNLOADING) {
                s.append(CLEAR_LINE).append(line("  " + pad(f.name(), nameWidth + 7), f.fraction(), f.done(),
                        f.size(), f.bytesPerSecond(), null, "", barWidth)).append('\n');
                lines++;
            }
        }
        s.append(CLEAR_LINE).append(line("  " + pad("total", nameWidth + 7), p.fraction(), p.doneBytes(),
                p.totalBytes(), p.bytesPerSecond(), p.remaining().orElse(null),
                "  " + p.filesDone() + "/" + p.fileCount() + " files", barWidth)).append('\n');
        lines++;
        // lines left over from a taller drawing last time are cleared
        for (int i = lines; i < drawnLines; i++) {
            s.append(CLEAR_LINE).append('\n');
            lines++;
        }
        drawnLines = lines;
        out.print(s);
        out.flush();
    }

    /** {@code name  43% [=====>      ] 812 MB/1.9 GB  12.3 MB/s  1 min 30 s left}. */
    private static String line(String name, double fraction, long done, long size, double rate, Duration left,
                               String tail, int barWidth) {
        StringBuilder t = new StringBuilder();
        t.append(' ').append(HumanUnits.bytes(done)).append('/').append(HumanUnits.bytes(Math.max(0, size)));
        if (rate > 0) {
            t.append("  ").append(HumanUnits.rate(rate));
        }
        if (left != null) {
            t.append("  ").append(HumanUnits.duration(left)).append(" left");
        }
        t.append(tail);
        int filled = (int) Math.floor(fraction * barWidth);
        StringBuilder bar = new StringBuilder("[");
        for (int i = 0; i < barWidth; i++) {
            bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        bar.append(']');
        String percent = String.format(Locale.ROOT, "%3d%%", (int) Math.floor(fraction * 100));
        return name + " " + percent + " " + bar + t;
    }

    private static String pad(String s, int width) {
        if (s.length() > width) {
            return "..." + s.substring(s.length() - width + 3);
        }
        return s + " ".repeat(width - s.length());
    }
}
