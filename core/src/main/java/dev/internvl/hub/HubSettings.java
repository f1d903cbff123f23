package dev.internvl.hub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Where models come from and where they are kept, read as Python's {@code huggingface_hub} reads them:
 *
 * <ul>
 *   <li>{@code HF_ENDPOINT}: the hub's address (default {@value #DEFAULT_ENDPOINT});
 *   <li>{@code HF_HUB_CACHE} (or the older {@code HUGGINGFACE_HUB_CACHE}), else {@code $HF_HOME/hub}, with
 *       {@code HF_HOME} defaulting to {@code $XDG_CACHE_HOME/huggingface}, that is {@code ~/.cache/huggingface};
 *   <li>{@code HF_TOKEN} (or the older {@code HUGGING_FACE_HUB_TOKEN}), else the token file that
 *       {@code hf auth login} writes ({@code HF_TOKEN_PATH}, default {@code $HF_HOME/token});
 *   <li>{@code HF_HUB_OFFLINE} (or {@code TRANSFORMERS_OFFLINE}) set to 1, ON, YES or TRUE: the cache only.
 * </ul>
 *
 * A Java system property of the same name overrides each environment variable (for tests and for applications that
 * cannot set the environment).
 *
 * @param endpoint the hub's base address, without a trailing slash
 * @param cacheDir the hub cache folder (the one holding {@code models--org--name} folders)
 * @param token the access token sent to the endpoint, or null
 * @param offline whether to use the cache only
 * @param parallelDownloads how many files are downloaded at a time (1 or more)
 * @param maxRetries how many times a transient failure (5xx, 429, a dropped connection) is retried
 * @param retryDelay the first wait before a retry; it doubles each time, up to 8 times this
 */
public record HubSettings(String endpoint, Path cacheDir, String token, boolean offline, int parallelDownloads,
                          int maxRetries, Duration retryDelay) {

    /** The public hub, {@code huggingface_hub}'s default endpoint. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    private static final Set<String> TRUE_VALUES = Set.of("1", "ON", "YES", "TRUE");

    public HubSettings {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(retryDelay, "retryDelay");
        endpoint = stripTrailingSlashes(endpoint.strip());
        if (!endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
            throw new IllegalArgumentException("HF_ENDPOINT=" + endpoint + ": not an http(s) address");
        }
        if (token != null && token.isBlank()) {
            token = null;
        }
        if (token != null) {
            token = token.strip();
        }
        if (parallelDownloads < 1) {
            throw new IllegalArgumentException("parallelDownloads must be at least 1, got " + parallelDownloads);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative, got " + maxRetries);
        }
    }

    /** The settings of this process: system properties over environment variables over defaults. */
    public static HubSettings fromEnvironment() {
        return from(name -> {
            String p = System.getProperty(name);
            return p != null ? p : System.getenv(name);
        });
    }

    /** The settings that {@code variables} (environment variable names to values) give. */
    public static HubSettings from(Map<String, String> variables) {
        return from(variables::get);
    }

    private static HubSettings from(Function<String, String> variable) {
        String endpoint = nonBlank(variable.apply("HF_ENDPOINT"));
        Path home = hfHome(variable);
        String cache = firstNonBlank(variable.apply("HF_HUB_CACHE"), variable.apply("HUGGINGFACE_HUB_CACHE"));
        Path cacheDir = cache != null ? expandHome(cache) : home.resolve("hub");
        String token = firstNonBlank(variable.apply("HF_TOKEN"), variable.apply("HUGGING_FACE_HUB_TOKEN"));
        if (token == null) {
            String tokenPath = nonBlank(variable.apply("HF_TOKEN_PATH"));
            token = readTokenFile(tokenPath != null ? expandHome(tokenPath) : home.resolve("token"));
        }
        boolean offline = isTrue(variable.apply("HF_HUB_OFFLINE")) || isTrue(variable.apply("TRANSFORMERS_OFFLINE"));
        return new HubSettings(endpoint != null ? endpoint : DEFAULT_ENDPOINT, cacheDir, token, offline, 4, 5,
                Duration.ofSeconds(1));
    }

    /** These settings with {@code token} instead, when it is not blank. */
    public HubSettings withToken(String token) {
        return token == null || token.isBlank() ? this
                : new HubSettings(endpoint, cacheDir, token, offline, parallelDownloads, maxRetries, retryDelay);
    }

    /** These settings with another cache folder. */
    public HubSettings withCacheDir(Path cacheDir) {
        return new HubSettings(endpoint, cacheDir, token, offline, parallelDownloads, maxRetries, retryDelay);
    }

    /** These settings with another endpoint. */
    public HubSettings withEndpoint(String endpoint) {
        return new HubSettings(endpoint, cacheDir, token, offline, parallelDownloads, maxRetries, retryDelay);
    }

    /** These settings, offline or not. */
    public HubSettings withOffline(boolean offline) {
        return new HubSettings(endpoint, cacheDir, token, offline, parallelDownloads, maxRetries, retryDelay);
    }

    /** These settings with another number of files downloaded at a time. */
    public HubSettings withParallelDownloads(int parallelDownloads) {
        return new HubSettings(endpoint, cacheDir, token, offline, parallelDownloads, maxRetries, retryDelay);
    }

    /** These settings with another retry policy. */
    public HubSettings withRetries(int maxRetries, Duration retryDelay) {
        return new HubSettings(endpoint, cacheDir, token, offline, parallelDownloads, maxRetries, retryDelay);
    }

    @Override
    public String toString() { // never the token itself
        return "HubSettings[endpoint=" + endpoint + ", cacheDir=" + cacheDir + ", token=" + (token != null ? "set"
                : "none") + ", offline=" + offline + ", parallelDownloads=" + parallelDownloads + ", maxRetries="
                + maxRetries + ", retryDelay=" + retryDelay + "]";
    }

    private static Path hfHome(Function<String, String> variable) {
        String home = nonBlank(variable.apply("HF_HOME"));
        if (home != null) {
            return expandHome(home);
        }
        String xdg = nonBlank(variable.apply("XDG_CACHE_HOME"));
        Path cache = xdg != null ? expandHome(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("huggingface");
    }

    private static String readTokenFile(Path file) {
        try {
            return Files.isRegularFile(file) ? nonBlank(Files.readString(file, StandardCharsets.UTF_8).strip()) : null;
        } catch (IOException | SecurityException e) {
            return null; // an unreadable token file is no token, as in huggingface_hub
        }
    }

    static Path expandHome(String path) {
        if (path.equals("~")) {
            return Path.of(System.getProperty("user.home"));
        }
        if (path.startsWith("~/")) {
            return Path.of(System.getProperty("user.home"), path.substring(2));
        }
        return Path.of(path);
    }

    private static boolean isTrue(String value) {
        return value != null && TRUE_VALUES.contains(value.strip().toUpperCase(Locale.ROOT));
    }

    private static String firstNonBlank(String a, String b) {
        return nonBlank(a) != null ? nonBlank(a) : nonBlank(b);
    }

    private static String nonBlank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String stripTrailingSlashes(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(0, end);
    }
}
