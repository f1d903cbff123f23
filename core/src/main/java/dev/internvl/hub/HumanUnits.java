package dev.internvl.hub;

import java.time.Duration;
import java.util.Locale;

/** Sizes, rates and durations as people read them: {@code 1.9 GB}, {@code 12.3 MB/s}, {@code 1 min 30 s}. */
public final class HumanUnits {

    private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB"};

    private HumanUnits() {
    }

    /** {@code bytes} in decimal units (as the hub's pages show sizes): {@code 812 MB}, {@code 1.9 GB}. */
    public static String bytes(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        double v = bytes;
        int unit = 0;
        while (v >= 999.5 && unit < UNITS.length - 1) {
            v /= 1000;
            unit++;
        }
        return (v >= 99.95 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v)) + " "
                + UNITS[unit];
    }

    /** A transfer rate: {@code 12.3 MB/s}. */
    public static String rate(double bytesPerSecond) {
        return bytes(Math.round(bytesPerSecond)) + "/s";
    }

    /** A duration to the second: {@code 45 s}, {@code 1 min 30 s}, {@code 2 h 05 min}. */
    public static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min " + String.format(Locale.ROOT, "%02d", s % 60) + " s";
        }
        return s / 3600 + " h " + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + " min";
    }
}
