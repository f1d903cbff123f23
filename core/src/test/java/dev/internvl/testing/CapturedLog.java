package dev.internvl.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What is logged while it is open: the test classpath logs through slf4j-simple, which writes each line to the
 * {@code System.err} of the moment; this tees {@code System.err} into a buffer (the output still shows).
 */
public final class CapturedLog implements AutoCloseable {

    private final PrintStream original = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private CapturedLog() {
    }

    public static CapturedLog start() {
        CapturedLog log = new CapturedLog();
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (log.captured) {
                    log.captured.write(b, off, len);
                }
                log.original.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8));
        return log;
    }

    public String text() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    public List<String> lines() {
        return text().lines().toList();
    }

    /** Lines slf4j-simple wrote at {@code level} ({@code "[thread] ERROR logger - message"}). */
    public List<String> linesAt(String level) {
        return lines().stream().filter(l -> l.contains("] " + level + " ") || l.startsWith(level + " ")).toList();
    }

    @Override
    public void close() {
        System.err.flush();
        System.setErr(original);
    }
}
