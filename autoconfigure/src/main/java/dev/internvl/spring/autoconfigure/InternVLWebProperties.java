package dev.internvl.spring.autoconfigure;

import dev.internvl.text.SpecialTokensInText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * The HTTP endpoints of InternVL (module internvl-spring-web): OpenAI-compatible chat completions and models,
 * grounding and OCR, their limits and their access key.
 */
@ConfigurationProperties(InternVLWebProperties.PREFIX)
public class InternVLWebProperties {

    public static final String PREFIX = "spring.ai.internvl.web";

    /**
     * Whether to serve the InternVL HTTP endpoints under /v1 when internvl-spring-web and Spring MVC are on the class
     * path.
     */
    private boolean enabled = true;

    /**
     * Bearer token every request to the endpoints must send ('Authorization: Bearer <key>'). Unset: no
     * authentication.
     */
    private String apiKey;

    /**
     * Largest request body, JSON or multipart, whether or not it declares its length; larger ones are answered with
     * 413.
     */
    private DataSize maxRequestSize = DataSize.ofMegabytes(20);

    /**
     * Most images in one chat completion request.
     */
    private int maxImages = 4;

    /**
     * Most phrases in one grounding request (each is one model answer).
     */
    private int maxPhrases = 8;

    /**
     * Largest image in pixels (width x height), checked from its header before it is decoded.
     */
    private long maxImagePixels = 64_000_000;

    /**
     * Most tokens generated for one grounding phrase or one OCR answer (greedy decoding). 1024 when unset.
     */
    private Integer visionMaxTokens;

    /**
     * Most tokens a chat completion request may ask for with max_tokens or max_completion_tokens; a request asking
     * for more is answered with 400. Requests that name no limit get the chat model's default.
     */
    private int maxTokens = 4096;

    /**
     * What the text of the model's special tokens ('<|im_end|>', '<|im_start|>', '<img>', ...) in chat messages
     * becomes: plain keeps it ordinary text, so that a user cannot close their turn and forge a system turn (grounding
     * phrases holding it are refused); reference turns it into those tokens, as the reference chat() does.
     * '<IMG_CONTEXT>' never comes from text.
     */
    private SpecialTokensInText specialTokensInText = SpecialTokensInText.PLAIN;

    /**
     * Longest a request may take, waiting for the engine included. One without a token by then is answered with 503
     * (code timeout); an answer under way ends there, as with max_tokens (finish reason length; grounding and OCR
     * answers marked truncated).
     */
    private Duration maxRequestTime = Duration.ofMinutes(5);

    /**
     * How often a client waiting for a whole answer (no stream) is checked for having gone away, by writing one space
     * before the JSON; its answer stops when it has. The first check commits the status 200, so later failures come
     * as an error object in the body. 0 turns the checks off. Streams notice a client that left at their next token.
     */
    private Duration disconnectCheckInterval = Duration.ofMillis(200);

    /**
     * Most bytes of request bodies held in memory at once, by all requests together (a body counts from its arrival
     * until its request has been answered; a chunked one twice while it is read). A request that would go past it is
     * answered with 503 at once. At least max-request-size. Unset: 128MB, or max-request-size when that is larger.
     */
    private DataSize maxBytesInFlight;

    /**
     * Names the endpoints answer to, as vLLM's --served-model-name: the first is the id /v1/models lists and every
     * response carries; a request (chat, grounding or OCR 'model', /v1/models/{name}) may name any of them, others
     * are answered with 404 model_not_found. Empty: the model's id alone.
     */
    private List<String> servedModelNames = new ArrayList<>();

    private final Chat chat = new Chat();

    private final Grounding grounding = new Grounding();

    private final Ocr ocr = new Ocr();

    private final RemoteImages remoteImages = new RemoteImages();

    private final Cors cors = new Cors();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getApiKey() {
        return apiKey;
    }

    public void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    public DataSize getMaxRequestSize() {
        return maxRequestSize;
    }

    public void setMaxRequestSize(DataSize maxRequestSize) {
        this.maxRequestSize = maxRequestSize;
    }

    public int getMaxImages() {
        return maxImages;
    }

    public void setMaxImages(int maxImages) {
        this.maxImages = maxImages;
    }

    public int getMaxPhrases() {
        return maxPhrases;
    }

    public void setMaxPhrases(int maxPhrases) {
        this.maxPhrases = maxPhrases;
    }

    public long getMaxImagePixels() {
        return maxImagePixels;
    }

    public void setMaxImagePixels(long maxImagePixels) {
        this.maxImagePixels = maxImagePixels;
    }

    public int getMaxTokens() {
        return maxTokens;
    }

    public void setMaxTokens(int maxTokens) {
        this.maxTokens = maxTokens;
    }

    public SpecialTokensInText getSpecialTokensInText() {
        return specialTokensInText;
    }

    public void setSpecialTokensInText(SpecialTokensInText specialTokensInText) {
        this.specialTokensInText = specialTokensInText;
    }

    public Duration getMaxRequestTime() {
        return maxRequestTime;
    }

    public void setMaxRequestTime(Duration maxRequestTime) {
        this.maxRequestTime = maxRequestTime;
    }

    public Duration getDisconnectCheckInterval() {
        return disconnectCheckInterval;
    }

    public void setDisconnectCheckInterval(Duration disconnectCheckInterval) {
        this.disconnectCheckInterval = disconnectCheckInterval;
    }

    public DataSize getMaxBytesInFlight() {
        return maxBytesInFlight;
    }

    public void setMaxBytesInFlight(DataSize maxBytesInFlight) {
        this.maxBytesInFlight = maxBytesInFlight;
    }

    public List<String> getServedModelNames() {
        return servedModelNames;
    }

    public void setServedModelNames(List<String> servedModelNames) {
        this.servedModelNames = servedModelNames;
    }

    public Integer getVisionMaxTokens() {
        return visionMaxTokens;
    }

    public void setVisionMaxTokens(Integer visionMaxTokens) {
        this.visionMaxTokens = visionMaxTokens;
    }

    public Chat getChat() {
        return chat;
    }

    public Grounding getGrounding() {
        return grounding;
    }

    public Ocr getOcr() {
        return ocr;
    }

    public RemoteImages getRemoteImages() {
        return remoteImages;
    }

    public Cors getCors() {
        return cors;
    }

    /** POST /v1/chat/completions and GET /v1/models. */
    public static class Chat {

        /**
         * Whether to serve the OpenAI-compatible POST /v1/chat/completions and GET /v1/models.
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** POST /v1/grounding. */
    public static class Grounding {

        /**
         * Whether to serve POST /v1/grounding (image and phrases in, boxes out).
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** POST /v1/ocr. */
    public static class Ocr {

        /**
         * Whether to serve POST /v1/ocr (image in, text out).
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** http(s) image URLs in requests. */
    public static class RemoteImages {

        /**
         * Hosts whose http(s) image URLs the endpoints fetch ('*.example.org' for its subdomains). Empty: only data:
         * URLs and base64 images are accepted.
         */
        private List<String> allowedHosts = new ArrayList<>();

        /**
         * Time limit of fetching one image, from connecting to the last byte.
         */
        private Duration timeout = Duration.ofSeconds(10);

        /**
         * Largest image fetched.
         */
        private DataSize maxSize = DataSize.ofMegabytes(10);

        public List<String> getAllowedHosts() {
            return allowedHosts;
        }

        public void setAllowedHosts(List<String> allowedHosts) {
            this.allowedHosts = allowedHosts;
        }

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public DataSize getMaxSize() {
            return maxSize;
        }

        public void setMaxSize(DataSize maxSize) {
            this.maxSize = maxSize;
        }
    }

    /** Calls from browser pages of other origins (CORS). */
    public static class Cors {

        /**
         * Origins whose browser pages may call the endpoints ('https://app.example.com', scheme://host[:port]), or '*'
         * alone for any. Their preflight requests are answered without the API key, and every response to them
         * carries CORS headers. Empty: no CORS headers, same-origin pages only.
         */
        private List<String> allowedOrigins = new ArrayList<>();

        public List<String> getAllowedOrigins() {
            return allowedOrigins;
        }

        public void setAllowedOrigins(List<String> allowedOrigins) {
            this.allowedOrigins = allowedOrigins;
        }
    }
}
