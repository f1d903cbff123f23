package dev.internvl.torch;

/** A failure inside libtorch (a kernel error, an out-of-memory, a missing native library), with a one-line summary. */
public class TorchException extends RuntimeException {

    public TorchException(String message, Throwable cause) {
        super(message, cause);
    }
}
