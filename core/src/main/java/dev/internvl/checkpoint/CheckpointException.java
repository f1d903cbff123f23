package dev.internvl.checkpoint;

/**
 * A checkpoint cannot be used: a file is missing or malformed, a tensor is absent or has the wrong shape, or
 * the architecture is not supported. The message always names the file or tensor and the problem.
 */
public class CheckpointException extends RuntimeException {

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
