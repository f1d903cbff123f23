package dev.internvl.generate;

/**
 * The engine's worker failed repeatedly and stopped: the request was not run, and no later one will be until the
 * engine is loaded again. The cause is the last failure. Servers answer it as unavailable (503), and health
 * reports the engine down.
 */
public class EngineFailedException extends IllegalStateException {

    public EngineFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
