package dev.internvl.spring.web;

import dev.internvl.ChatListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Watches one answer being generated for an HTTP client that waits for it whole (chat completions without
 * {@code stream}, grounding, OCR), and ends it early when the client has gone away or the request's time limit
 * ({@link ApiSettings#maxRequestTime()}) has passed. As a {@link ChatListener} it is what the engine polls
 * before every step.
 *
 * <p>The Servlet API does not tell a server that its client closed the connection; only a write fails. So once the
 * answer is under way ({@link #answering()}: its first token, by which time every check of the request has passed),
 * the watch writes one space to the JSON response every {@link ApiSettings#disconnectCheckInterval()} (JSON allows
 * whitespace before its value). The first write after the client left usually succeeds (the peer answers it with a
 * reset), the next one fails: a client that went away is noticed within about two intervals. The first probe
 * commits the response with status 200, so a failure after it can only be reported in the body, as an
 * {@code {"error":...}} object. An interval of zero turns probing off (exact statuses, abandoned answers run on).
 *
 * <p>Probes and the time limit run on one shared daemon thread. {@link #close()} stops them and waits for a probe in
 * progress, after which the request thread owns the response again.
 */
final class ClientWatch implements ChatListener, AutoCloseable {

    /** Why an answer was ended early. */
    enum End { CLIENT_GONE, TIME_LIMIT }

    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "internvl-client-watch");
        t.setDaemon(true);
        return t;
    });

    private final HttpServletResponse response;
    private final AtomicReference<End> end = new AtomicReference<>();
    private final Object lock = new Object();
    private final long started = System.nanoTime();
    private volatile boolean answering;
    private volatile Runnable onEnd = () -> { };
    private boolean closed; // guarded by lock
    private boolean probed; // guarded by lock
    private final ScheduledFuture<?> deadline;
    private final ScheduledFuture<?> probes;

    private ClientWatch(HttpServletResponse response, ApiSettings settings) {
        this.response = response;
        this.deadline = TIMER.schedule(() -> end(End.TIME_LIMIT), settings.maxRequestTime().toNanos(),
                TimeUnit.NANOSECONDS);
        Duration interval = settings.disconnectCheckInterval();
        this.probes = interval.isZero() ? null : TIMER.scheduleWithFixedDelay(this::probe, interval.toNanos(),
                interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Starts watching the answer to be written to {@code response}. */
    static ClientWatch start(HttpServletResponse response, ApiSettings settings) {
        return new ClientWatch(response, settings);
    }

    /** What else stops the generation when the watch ends it (runs once, on the watch's thread). */
    void onEnd(Runnable action) {
        this.onEnd = action;
        if (end.get() != null) {
            action.run();
        }
    }

    /** The answer is under way: its first token is out, the request has passed its checks. */
    void answering() {
        answering = true;
    }

    /** Whether a token of the answer has been generated. */
    boolean isAnswering() {
        return answering;
    }

    /** Why the answer was ended early, or null. */
    End end() {
        return end.get();
    }

    /** Whether a probe has committed the response (status 200 sent). Call after {@link #close()}. */
    boolean committed() {
        synchronized (lock) {
            return probed;
        }
    }

    /** Seconds since the watch started. */
    double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    @Override
    public void onText(String delta) {
        answering = true;
    }

    @Override
    public boolean cancelled() {
        return end.get() != null;
    }

    private void end(End why) {
        if (end.compareAndSet(null, why)) {
            stopTimers();
            onEnd.run();
        }
    }

    private void stopTimers() {
        deadline.cancel(false);
        if (probes != null) {
            probes.cancel(false);
        }
    }

    private void probe() {
        if (!answering) {
            return;
        }
        synchronized (lock) {
            if (closed) {
                return;
            }
            try {
                if (!probed) {
                    response.setStatus(HttpServletResponse.SC_OK);
                    response.setContentType("application/json");
                    response.setCharacterEncoding("UTF-8");
                    probed = true;
                }
                response.getOutputStream().write(' ');
                response.flushBuffer();
            } catch (IOException | RuntimeException e) {
                end(End.CLIENT_GONE);
            }
        }
    }

    /** Stops watching; a probe in progress finishes first. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
        }
        stopTimers();
    }
}
