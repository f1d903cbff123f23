package dev.internvl.hub;

/**
 * Follows a download. The methods are called from the downloading threads, several at a time, so implementations
 * must be thread-safe and quick; {@link #progressed} is called after every chunk a file receives, and a listener
 * that renders something decides itself how often to do so.
 */
public interface DownloadListener {

    /** Listens to nothing. */
    DownloadListener NONE = new DownloadListener() {
    };

    /** The files, their sizes and what the cache already holds are known; nothing has been transferred yet. */
    default void started(DownloadProgress progress) {
    }

    /** Bytes arrived, or a file started or finished. */
    default void progressed(DownloadProgress progress) {
    }

    /** Every file is in the cache and linked into the snapshot folder. */
    default void finished(DownloadProgress progress) {
    }

    /** The download stopped with {@code error}; what was transferred is kept to be resumed. */
    default void failed(DownloadProgress progress, HubException error) {
    }
}
