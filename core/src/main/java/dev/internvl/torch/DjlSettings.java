package dev.internvl.torch;

/** Process-wide DJL settings the engine applies before touching DJL. */
public final class DjlSettings {

    private DjlSettings() {
    }

    /**
     * Turns off DJL's usage reporting (it contacts a cloud metadata address when a tokenizer or engine starts),
     * unless the application set {@code OPT_OUT_TRACKING} itself. An in-process library has no business making
     * network calls on its users' behalf.
     */
    public static void optOutOfTracking() {
        if (System.getenv("OPT_OUT_TRACKING") == null && System.getProperty("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
    }
}
