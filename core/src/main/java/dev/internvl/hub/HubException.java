package dev.internvl.hub;

/**
 * A model could not be fetched from the hub or found in the cache. The message is one line that names the model (and
 * the file, where one is concerned), the problem and what to do about it; {@link #reason()} tells the cases apart.
 */
public class HubException extends RuntimeException {

    /** What went wrong. */
    public enum Reason {
        /** No such model, revision or file on the hub (HTTP 404). */
        NOT_FOUND,
        /** The model is gated or private and the token is missing, refused or lacks access (HTTP 401/403). */
        ACCESS_DENIED,
        /** The hub could not be reached, or kept failing (connection errors, 5xx after the retries). */
        NETWORK,
        /** Offline mode ({@code HF_HUB_OFFLINE=1}) and the cache does not hold what is needed. */
        NOT_CACHED,
        /** Not enough free disk space for the download, or the disk filled up while writing. */
        DISK_FULL,
        /** A downloaded file does not match the sha256 or the size that the hub announced. */
        CHECKSUM,
        /** The hub answered something this client does not understand, or the repository lacks what is needed. */
        PROTOCOL,
        /** A local file of the cache could not be read or written. */
        IO
    }

    private final Reason reason;

    public HubException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public HubException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** What went wrong. */
    public Reason reason() {
        return reason;
    }
}
