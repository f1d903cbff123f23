package dev.internvl.spring.web;

import dev.internvl.text.SpecialTokensInText;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Limits and access control of the InternVL endpoints. Spring Boot fills it from {@code spring.ai.internvl.web.*};
 * applications without Boot build it with {@link #builder()}.
 *
 * @param apiKey              bearer token every request must present, or null for none
 * @param maxRequestBytes     largest request body, JSON or multipart, with or without a Content-Length
 * @param maxImages           most images in one chat completion request
 * @param maxPhrases          most phrases in one grounding request
 * @param maxImagePixels      largest image, in pixels (width × height), checked before its pixels are decoded
 * @param allowedImageHosts   host names whose http(s) image URLs are fetched ({@code *.example.org} for its
 *                            subdomains); empty: only {@code data:} URLs and base64 are accepted
 * @param imageFetchTimeout   time limit of fetching one remote image, connection to last byte
 * @param maxImageFetchBytes  largest remote image
 * @param allowedOrigins      origins ({@code https://app.example.com}) whose browser pages may call the endpoints
 *                            (CORS), or {@code *} alone for any; empty: same-origin only, no CORS headers
 * @param maxTokens           most tokens a chat completion request may ask for ({@code max_tokens},
 *                            {@code max_completion_tokens}); a larger request is a 400
 * @param specialTokensInText whether the text of added tokens ({@code <|im_end|>}, {@code <|im_start|>},
 *                            {@code <img>}, ...) in messages stays text ({@link SpecialTokensInText#PLAIN}, the
 *                            default: a user cannot forge a turn) or becomes those tokens, as the reference
 *                            {@code chat()} ({@link SpecialTokensInText#REFERENCE}); grounding phrases holding such
 *                            text are refused in PLAIN mode
 * @param maxRequestTime      longest a request may take, waiting for the engine included: one that has no token
 *                            by then gets a 503 ({@code timeout}); an answer under way ends there, as with
 *                            {@code max_tokens} (finish reason {@code length}; grounding and OCR answers are
 *                            marked {@code truncated})
 * @param disconnectCheckInterval how often a client waiting for a whole answer (no {@code stream}) is checked
 *                            for having gone away, by writing one space before the JSON (see
 *                            {@link ClientWatch}); zero: never (an abandoned answer runs to its end). Streams
 *                            notice a client that left at their next token
 * @param maxBytesInFlight    most bytes of request bodies held in memory at once, by all requests together (a
 *                            body counts from its arrival until its request is answered; a chunked one twice,
 *                            while its buffer grows); a request that would go past it gets a 503 at once. At least
 *                            {@code maxRequestBytes}
 * @param servedModelNames    the names the endpoints answer to, as vLLM's {@code --served-model-name}: the first is
 *                            the id {@code /v1/models} lists and responses carry, a request may name any of them;
 *                            empty (the default): the model's own id alone
 */
public record ApiSettings(String apiKey, long maxRequestBytes, int maxImages, int maxPhrases, long maxImagePixels,
        List<String> allowedImageHosts, Duration imageFetchTimeout, long maxImageFetchBytes,
        List<String> allowedOrigins, int maxTokens, SpecialTokensInText specialTokensInText,
        Duration maxRequestTime, Duration disconnectCheckInterval, long maxBytesInFlight,
        List<String> servedModelNames) {

    public static final long DEFAULT_MAX_REQUEST_BYTES = 20L * 1024 * 1024;
    public static final int DEFAULT_MAX_IMAGES = 4;
    public static final int DEFAULT_MAX_PHRASES = 8;
    public static final long DEFAULT_MAX_IMAGE_PIXELS = 64L * 1000 * 1000;
    public static final Duration DEFAULT_IMAGE_FETCH_TIMEOUT = Duration.ofSeconds(10);
    public static final long DEFAULT_MAX_IMAGE_FETCH_BYTES = 10L * 1024 * 1024;
    public static final int DEFAULT_MAX_TOKENS = 4096;
    public static final Duration DEFAULT_MAX_REQUEST_TIME = Duration.ofMinutes(5);
    public static final Duration DEFAULT_DISCONNECT_CHECK_INTERVAL = Duration.ofMillis(200);
    public static final long DEFAULT_MAX_BYTES_IN_FLIGHT = 128L * 1024 * 1024;

    public ApiSettings {
        if (apiKey != null && apiKey.isBlank()) {
            apiKey = null;
        }
        positive("maxRequestBytes", maxRequestBytes);
        positive("maxImages", maxImages);
        positive("maxPhrases", maxPhrases);
        positive("maxImagePixels", maxImagePixels);
        positive("maxImageFetchBytes", maxImageFetchBytes);
        positive("maxTokens", maxTokens);
        Objects.requireNonNull(imageFetchTimeout, "imageFetchTimeout");
        if (imageFetchTimeout.isNegative() || imageFetchTimeout.isZero()) {
            throw new IllegalArgumentException("imageFetchTimeout must be positive, got " + imageFetchTimeout);
        }
        allowedImageHosts = allowedImageHosts == null ? List.of() : allowedImageHosts.stream()
                .map(h -> h.strip().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).toList();
        allowedOrigins = origins(allowedOrigins);
        specialTokensInText = specialTokensInText == null ? SpecialTokensInText.PLAIN : specialTokensInText;
        maxRequestTime = maxRequestTime == null ? DEFAULT_MAX_REQUEST_TIME : maxRequestTime;
        if (maxRequestTime.isNegative() || maxRequestTime.isZero()) {
            throw new IllegalArgumentException("maxRequestTime must be positive, got " + maxRequestTime);
        }
        disconnectCheckInterval = disconnectCheckInterval == null ? DEFAULT_DISCONNECT_CHECK_INTERVAL
                : disconnectCheckInterval;
        if (disconnectCheckInterval.isNegative()) {
            throw new IllegalArgumentException("disconnectCheckInterval must not be negative, got "
                    + disconnectCheckInterval);
        }
        if (maxBytesInFlight < maxRequestBytes) {
            throw new IllegalArgumentException("maxBytesInFlight (" + maxBytesInFlight + ") must be at least "
                    + "maxRequestBytes (" + maxRequestBytes + "), or no request of the largest size fits");
        }
        servedModelNames = modelNames(servedModelNames);
    }

    /**
     * {@code names} stripped, in order, without repetitions.
     *
     * @throws IllegalArgumentException for a blank (or null) name
     */
    public static List<String> modelNames(List<String> names) {
        if (names == null) {
            return List.of();
        }
        if (names.stream().anyMatch(n -> n == null || n.isBlank())) {
            throw new IllegalArgumentException("a served model name must not be blank, got " + names);
        }
        return names.stream().map(String::strip).distinct().toList();
    }

    /** The names the endpoints answer to for the model {@code modelId}: the served names, else the id alone. */
    public List<String> modelNames(String modelId) {
        return servedModelNames.isEmpty() ? List.of(modelId) : servedModelNames;
    }

    /**
     * {@code origins} stripped, without empty entries and trailing slashes, each checked to be an origin
     * ({@code scheme://host[:port]}, no path, query or user info) or {@code *} alone.
     *
     * @throws IllegalArgumentException naming the first entry that is not, and why
     */
    public static List<String> origins(List<String> origins) {
        if (origins == null) {
            return List.of();
        }
        List<String> out = origins.stream().map(o -> o == null ? "" : o.strip()).filter(o -> !o.isEmpty())
                .map(o -> o.endsWith("/") ? o.substring(0, o.length() - 1) : o).toList();
        if (out.contains("*")) {
            if (out.size() > 1) {
                throw new IllegalArgumentException("'*' allows every origin and cannot be combined with others");
            }
            return out;
        }
        for (String o : out) {
            String problem = originProblem(o);
            if (problem != null) {
                throw new IllegalArgumentException("'" + o + "' is not an origin (" + problem
                        + "); write scheme://host[:port], e.g. https://app.example.com, or * alone");
            }
        }
        return out;
    }

    private static String originProblem(String origin) {
        URI uri;
        try {
            uri = new URI(origin);
        } catch (URISyntaxException e) {
            return "malformed: " + e.getReason();
        }
        if (uri.getScheme() == null) {
            return "no scheme";
        }
        if (uri.isOpaque() || uri.getHost() == null) {
            return "no host";
        }
        if (uri.getRawUserInfo() != null) {
            return "it has user info";
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) {
            return "it has a path";
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return "it has a query or fragment";
        }
        return null;
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }

    /**
     * No API key, 20 MiB bodies, 4 images, 8 phrases, 64 megapixels, no remote images, no CORS, added-token text in
     * messages kept as text.
     */
    public static ApiSettings defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().apiKey(apiKey).maxRequestBytes(maxRequestBytes).maxImages(maxImages)
                .maxPhrases(maxPhrases).maxImagePixels(maxImagePixels).allowedImageHosts(allowedImageHosts)
                .imageFetchTimeout(imageFetchTimeout).maxImageFetchBytes(maxImageFetchBytes)
                .allowedOrigins(allowedOrigins).maxTokens(maxTokens).specialTokensInText(specialTokensInText)
                .maxRequestTime(maxRequestTime).disconnectCheckInterval(disconnectCheckInterval)
                .maxBytesInFlight(maxBytesInFlight).servedModelNames(servedModelNames);
    }

    /** Whether http(s) image URLs to {@code host} may be fetched. */
    public boolean allowsImageHost(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        for (String allowed : allowedImageHosts) {
            if (allowed.startsWith("*.") ? h.endsWith(allowed.substring(1)) : h.equals(allowed)) {
                return true;
            }
        }
        return false;
    }

    /** Everything but the API key, which is shown as set or not. */
    @Override
    public String toString() {
        return "ApiSettings[apiKey=" + (apiKey == null ? "none" : "(set)") + ", maxRequestBytes=" + maxRequestBytes
                + ", maxImages=" + maxImages + ", maxPhrases=" + maxPhrases + ", maxImagePixels=" + maxImagePixels
                + ", allowedImageHosts=" + allowedImageHosts + ", imageFetchTimeout=" + imageFetchTimeout
                + ", maxImageFetchBytes=" + maxImageFetchBytes + ", allowedOrigins=" + allowedOrigins
                + ", maxTokens=" + maxTokens + ", specialTokensInText=" + specialTokensInText + ", maxRequestTime="
                + maxRequestTime + ", disconnectCheckInterval=" + disconnectCheckInterval + ", maxBytesInFlight="
                + maxBytesInFlight + ", servedModelNames=" + servedModelNames + "]";
    }

    /** Builder of {@link ApiSettings}, starting from the defaults. */
    public static final class Builder {
        private String apiKey;
        private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
        private int maxImages = DEFAULT_MAX_IMAGES;
        private int maxPhrases = DEFAULT_MAX_PHRASES;
        private long maxImagePixels = DEFAULT_MAX_IMAGE_PIXELS;
        private List<String> allowedImageHosts = List.of();
        private Duration imageFetchTimeout = DEFAULT_IMAGE_FETCH_TIMEOUT;
        private long maxImageFetchBytes = DEFAULT_MAX_IMAGE_FETCH_BYTES;
        private List<String> allowedOrigins = List.of();
        private int maxTokens = DEFAULT_MAX_TOKENS;
        private SpecialTokensInText specialTokensInText = SpecialTokensInText.PLAIN;
        private Duration maxRequestTime = DEFAULT_MAX_REQUEST_TIME;
        private Duration disconnectCheckInterval = DEFAULT_DISCONNECT_CHECK_INTERVAL;
        private Long maxBytesInFlight;
        private List<String> servedModelNames = List.of();

        private Builder() {
        }

        public Builder apiKey(String v) {
            apiKey = v;
            return this;
        }

        public Builder maxRequestBytes(long v) {
            maxRequestBytes = v;
            return this;
        }

        public Builder maxImages(int v) {
            maxImages = v;
            return this;
        }

        public Builder maxPhrases(int v) {
            maxPhrases = v;
            return this;
        }

        public Builder maxImagePixels(long v) {
            maxImagePixels = v;
            return this;
        }

        public Builder allowedImageHosts(List<String> v) {
            allowedImageHosts = v;
            return this;
        }

        public Builder imageFetchTimeout(Duration v) {
            imageFetchTimeout = v;
            return this;
        }

        public Builder maxImageFetchBytes(long v) {
            maxImageFetchBytes = v;
            return this;
        }

        public Builder allowedOrigins(List<String> v) {
            allowedOrigins = v;
            return this;
        }

        public Builder maxTokens(int v) {
            maxTokens = v;
            return this;
        }

        /** How added-token text in messages is encoded (null: PLAIN). */
        public Builder specialTokensInText(SpecialTokensInText v) {
            specialTokensInText = v;
            return this;
        }

        public Builder maxRequestTime(Duration v) {
            maxRequestTime = v;
            return this;
        }

        /** How often a waiting client is checked for having gone away; zero: never. */
        public Builder disconnectCheckInterval(Duration v) {
            disconnectCheckInterval = v;
            return this;
        }

        /**
         * Most bytes of request bodies held in memory at once by all requests; unset: 128 MiB, or
         * {@code maxRequestBytes} when that is larger.
         */
        public Builder maxBytesInFlight(Long v) {
            maxBytesInFlight = v;
            return this;
        }

        /** The names the endpoints answer to, the first the one they report; empty: the model's id. */
        public Builder servedModelNames(List<String> v) {
            servedModelNames = v;
            return this;
        }

        public ApiSettings build() {
            return new ApiSettings(apiKey, maxRequestBytes, maxImages, maxPhrases, maxImagePixels,
                    allowedImageHosts, imageFetchTimeout, maxImageFetchBytes, allowedOrigins, maxTokens,
                    specialTokensInText, maxRequestTime, disconnectCheckInterval, maxBytesInFlight != null
                    ? maxBytesInFlight : Math.max(DEFAULT_MAX_BYTES_IN_FLIGHT, maxRequestBytes), servedModelNames);
        }
    }
}
