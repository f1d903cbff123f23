package dev.internvl;

/**
 * The request is wrong: something its caller sent cannot be used as sent (an image that does not decode or has too
 * many pixels, a generation option out of range, a prompt longer than the model's context, a phrase holding
 * InternVL's markers, ...). The message says what is wrong and is meant for whoever sent the request; retrying the
 * same request fails the same way.
 *
 * <p>It is an {@link IllegalArgumentException}, so callers that catch those keep working. What is not one of these
 * is not the caller's fault: a plain {@code IllegalArgumentException} or {@code IllegalStateException} from the
 * engine is a bug or a broken setup (checkpoint, configuration), and a server should answer it as its own failure.
 *
 * <p>{@link #code()} is a short machine-readable reason when there is one ({@code invalid_image},
 * {@code image_too_large}, {@code context_length_exceeded}); {@link #param()} names the offending input when the
 * thrower knows it as its caller spells it (null otherwise).
 */
public class InvalidRequestException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** An undecodable image: empty, truncated or corrupt data, an unsupported format. */
    public static final String INVALID_IMAGE = "invalid_image";

    /** An image with more pixels than allowed. */
    public static final String IMAGE_TOO_LARGE = "image_too_large";

    /** A prompt that fills the model's context. */
    public static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";

    private final String code;
    private final String param;

    /** A wrong request with no code and no parameter. */
    public InvalidRequestException(String message) {
        this(message, null, null, null);
    }

    /** A wrong request found through {@code cause} (a decoder's failure, a parser's). */
    public InvalidRequestException(String message, Throwable cause) {
        this(message, null, null, cause);
    }

    /**
     * @param message what is wrong, for the request's sender
     * @param code    a machine-readable reason, or null
     * @param param   the offending input, or null
     * @param cause   what detected it, or null
     */
    public InvalidRequestException(String message, String code, String param, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.param = param;
    }

    /** A machine-readable reason ({@link #INVALID_IMAGE}, ...), or null. */
    public String code() {
        return code;
    }

    /** The input the request got wrong, as its sender names it, or null. */
    public String param() {
        return param;
    }
}
