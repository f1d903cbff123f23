package dev.internvl.hub;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusive lock on a file of the cache's {@code .locks} folder, held while a blob is downloaded: a lock of the
 * operating system against other processes, and an in-process lock against other threads of this one (the
 * operating system's lock belongs to the whole process). Waits are logged every 10 seconds. The lock file stays, as
 * {@code huggingface_hub} leaves its own.
 */
final class CacheLock implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CacheLock.class);
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final ReentrantLock local;
    private final FileChannel channel;
    private final FileLock lock;

    private CacheLock(ReentrantLock local, FileChannel channel, FileLock lock) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock on {@code file}, waiting as long as another thread or process holds it. */
    static CacheLock acquire(Path file, String what) throws IOException, InterruptedException {
        Path key = file.toAbsolutePath().normalize();
        ReentrantLock local = IN_PROCESS.computeIfAbsent(key, k -> new ReentrantLock());
        long start = System.nanoTime();
        long nextLog = start + LOG_EVERY_NANOS;
        while (!local.tryLock(200, TimeUnit.MILLISECONDS)) {
            nextLog = logWait(what, key, start, nextLog);
        }
        FileChannel channel = null;
        try {
            Files.createDirectories(key.getParent());
            channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            while ((lock = channel.tryLock()) == null) {
                Thread.sleep(200);
                nextLog = logWait(what, key, start, nextLog);
            }
            return new CacheLock(local, channel, lock);
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            local.unlock();
            throw e;
        }
    }

    private static long logWait(String what, Path key, long start, long nextLog) {
        long now = System.nanoTime();
        if (now >= nextLog) {
            log.info("{}: waiting for another download of the same file to finish (lock {}, {} s so far)", what,
                    key, TimeUnit.NANOSECONDS.toSeconds(now - start));
            return now + LOG_EVERY_NANOS;
        }
        return nextLog;
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
            channel.close();
        } finally {
            local.unlock();
        }
    }
}
