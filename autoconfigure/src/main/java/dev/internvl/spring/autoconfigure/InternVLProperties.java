package dev.internvl.spring.autoconfigure;

import dev.internvl.model.ComputeDType;
import dev.internvl.remote.RemoteOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The InternVL checkpoint to load and how to run it.
 */
@ConfigurationProperties(InternVLProperties.PREFIX)
public class InternVLProperties {

    public static final String PREFIX = "spring.ai.internvl";

    private final Model model = new Model();

    private final Batching batching = new Batching();

    private final Remote remote = new Remote();

    /**
     * What answers: local (the checkpoint in this process, the default) or remote (vLLM, LMDeploy or this project's
     * server on one or more machines, see remote.*). The chat model, grounding and OCR, tools and HTTP endpoints
     * work the same on both.
     */
    private Backend backend = Backend.LOCAL;

    /**
     * Compute dtype: bf16 (the checkpoints' own dtype, fastest on CPUs with AVX-512 BF16 and on GPUs), fp16, or fp32
     * (the reference for parity checks).
     */
    private ComputeDType dtype = ComputeDType.BF16;

    /**
     * Torch device the model runs on: cpu, cuda, cuda:N or mps. GPUs need a libtorch GPU native package on the
     * class path instead of the starter's CPU one.
     */
    private String device = "cpu";

    /**
     * Weight-only quantization of the decoder, applied at load: none, int8 (per-row scales; half the decoder's
     * memory), int4 (groups of 64 input columns; about 40 % of it, the embedding staying int8 for lookups) or
     * int4:GROUP with GROUP 32, 64, 128 or 256. The vision encoder stays 16-bit.
     */
    private String quantization = "none";

    /**
     * Where a quantized decoder is kept so that later starts map it instead of quantizing again (about as fast as
     * a 16-bit load, and the 16-bit matrices never become resident): 'auto' puts it in an internvl-cache folder
     * inside the checkpoint folder (skipped with a warning when that folder is read-only), 'off' quantizes at every
     * start, anything else is a folder to keep it in. The file is replaced when the checkpoint, the quantization
     * or libtorch changes.
     */
    private String quantizationCache = "auto";

    /**
     * Whether the bf16 matrices of an unquantized decoder and of the vision encoder on the CPU are packed into
     * oneDNN's blocked layout at load, where the CPU has AVX-512 and the memory to hold them (elsewhere nothing
     * changes): 1.5-2 times faster decoding for a second or two more at start per GB of weights. Off keeps
     * libtorch's plain layout, whose bf16 results can differ from the packed ones in the last bit.
     */
    private boolean packedWeights = true;

    /**
     * Placement of the model's parts over several devices: 'auto' for the reference split over all CUDA devices
     * (vision, embedding, head and last layer on the first), or prefix=device entries such as
     * 'vision_model=cuda:0,language_model.model.layers.0-11=cuda:1,*=cuda:0'. Empty: everything on 'device'.
     */
    private String deviceMap;

    /**
     * Conversation template name overriding the checkpoint's config.json 'template' (e.g. Hermes-2, internlm2-chat,
     * phi3-chat, internvl2_5).
     */
    private String template;

    /**
     * Default system message, replacing the checkpoint's and the template's. A request's system message replaces
     * this one in turn.
     */
    private String systemMessage;

    /**
     * Minimum number of 448-pixel tiles an image is cut into (1 to 40). Defaults to the checkpoint's
     * min_dynamic_patch.
     */
    private Integer minTiles;

    /**
     * Maximum number of 448-pixel tiles an image is cut into (1 to 40). Defaults to the checkpoint's
     * max_dynamic_patch. Each tile costs 256 prompt tokens.
     */
    private Integer maxTiles;

    /**
     * Whether images cut into several tiles also get a downscaled thumbnail tile of the whole image. Defaults to the
     * checkpoint's use_thumbnail.
     */
    private Boolean thumbnail;

    /** Where the model runs. */
    public enum Backend {
        /** In this process. */
        LOCAL,
        /** On OpenAI-compatible servers (remote.*). */
        REMOTE
    }

    public Backend getBackend() {
        return backend;
    }

    public void setBackend(Backend backend) {
        this.backend = backend;
    }

    public Remote getRemote() {
        return remote;
    }

    public Model getModel() {
        return model;
    }

    public Batching getBatching() {
        return batching;
    }

    public ComputeDType getDtype() {
        return dtype;
    }

    public void setDtype(ComputeDType dtype) {
        this.dtype = dtype;
    }

    public String getDevice() {
        return device;
    }

    public void setDevice(String device) {
        this.device = device;
    }

    public String getQuantization() {
        return quantization;
    }

    public void setQuantization(String quantization) {
        this.quantization = quantization;
    }

    public boolean isPackedWeights() {
        return packedWeights;
    }

    public void setPackedWeights(boolean packedWeights) {
        this.packedWeights = packedWeights;
    }

    public String getQuantizationCache() {
        return quantizationCache;
    }

    public void setQuantizationCache(String quantizationCache) {
        this.quantizationCache = quantizationCache;
    }

    public String getDeviceMap() {
        return deviceMap;
    }

    public void setDeviceMap(String deviceMap) {
        this.deviceMap = deviceMap;
    }

    public String getTemplate() {
        return template;
    }

    public void setTemplate(String template) {
        this.template = template;
    }

    public String getSystemMessage() {
        return systemMessage;
    }

    public void setSystemMessage(String systemMessage) {
        this.systemMessage = systemMessage;
    }

    public Integer getMinTiles() {
        return minTiles;
    }

    public void setMinTiles(Integer minTiles) {
        this.minTiles = minTiles;
    }

    public Integer getMaxTiles() {
        return maxTiles;
    }

    public void setMaxTiles(Integer maxTiles) {
        this.maxTiles = maxTiles;
    }

    public Boolean getThumbnail() {
        return thumbnail;
    }

    public void setThumbnail(Boolean thumbnail) {
        this.thumbnail = thumbnail;
    }

    /** Which checkpoint: a local folder, or a model on the Hugging Face hub. */
    public static class Model {

        /**
         * Folder of a downloaded InternVL checkpoint in the Hugging Face layout (config.json, *.safetensors,
         * tokenizer files), e.g. a local copy of OpenGVLab/InternVL2-1B. Wins over model.id; one of the two is
         * required.
         */
        private Path path;

        /**
         * Hugging Face model id (org/name, e.g. OpenGVLab/InternVL2-1B). Without model.path, the checkpoint's files
         * are downloaded at start-up into the Hugging Face cache (HF_HUB_CACHE, else HF_HOME/hub, else
         * ~/.cache/huggingface/hub; shared with Python's huggingface_hub), resumed after an interruption and reused
         * by later starts; HF_ENDPOINT names another hub, HF_HUB_OFFLINE=1 uses the cache only. Also the model id
         * reported in chat response metadata and observations; defaults to the checkpoint folder's name.
         */
        private String id;

        /**
         * Branch, tag or commit id of model.id to download.
         */
        private String revision = "main";

        /**
         * Hugging Face access token for gated or private models (accept the licence on the model's page first).
         * Defaults to the HF_TOKEN environment variable, then to the token file that 'hf auth login' writes.
         */
        private String token;

        public Path getPath() {
            return path;
        }

        public void setPath(Path path) {
            this.path = path;
        }

        public String getId() {
            return id;
        }

        public void setId(String id) {
            this.id = id;
        }

        public String getRevision() {
            return revision;
        }

        public void setRevision(String revision) {
            this.revision = revision;
        }

        public String getToken() {
            return token;
        }

        public void setToken(String token) {
            this.token = token;
        }
    }

    /**
     * How concurrent requests share the model (continuous batching): requests are decoded together, joining and
     * leaving the running batch between steps; the ones beyond the batch wait in a queue, and beyond the queue they
     * are refused at once.
     */
    public static class Batching {

        /**
         * Most requests decoded together, one token each per step (1 to 256). A larger batch gives more tokens per
         * second in aggregate, at the cost of memory: the KV cache holds a row per request in the batch, each as long
         * as the longest prompt plus answer among them (it grows as requests join and is freed when the engine is
         * idle). Each step also takes somewhat longer, so a single request's tokens come a little more slowly. 1
         * answers one request at a time.
         */
        private int maxBatchSize = 8;

        /**
         * Most requests waiting for a place in the batch (0 or more). A request beyond them is refused at once: the
         * chat model throws RejectedExecutionException and the HTTP endpoints answer 503 with 'Retry-After: 1'. 0
         * refuses every request that finds the batch full.
         */
        private int maxQueue = 64;

        /**
         * Prompt tokens run in one piece (1 or more). A long prompt is admitted in chunks of this size, so running
         * requests wait at most one chunk for their next token, and its attention workspace grows linearly with its
         * length; smaller chunks keep other requests' tokens flowing more evenly, at the cost of a longer time to
         * the first token of the new request.
         */
        private int prefillChunk = 256;

        /**
         * Image tiles encoded in one piece while other requests are decoding (1 or more): like prefill-chunk for the
         * vision encoder. Larger values admit requests with many tiles sooner, and make running requests wait longer
         * for their next token.
         */
        private int visionTilesPerStep = 1;

        /**
         * Vision encoder layers those tiles go through per step while other requests are decoding (1 or more; a
         * tile of InternViT-300M costs about 2 s for its 24 layers on two CPU cores, so 6 layers keep running
         * requests waiting about half a second). A request that arrives with nothing else decoding is encoded in one
         * piece.
         */
        private int visionLayersPerStep = 6;

        public int getMaxBatchSize() {
            return maxBatchSize;
        }

        public void setMaxBatchSize(int maxBatchSize) {
            this.maxBatchSize = maxBatchSize;
        }

        public int getMaxQueue() {
            return maxQueue;
        }

        public void setMaxQueue(int maxQueue) {
            this.maxQueue = maxQueue;
        }

        public int getPrefillChunk() {
            return prefillChunk;
        }

        public void setPrefillChunk(int prefillChunk) {
            this.prefillChunk = prefillChunk;
        }

        public int getVisionTilesPerStep() {
            return visionTilesPerStep;
        }

        public void setVisionTilesPerStep(int visionTilesPerStep) {
            this.visionTilesPerStep = visionTilesPerStep;
        }

        public int getVisionLayersPerStep() {
            return visionLayersPerStep;
        }

        public void setVisionLayersPerStep(int visionLayersPerStep) {
            this.visionLayersPerStep = visionLayersPerStep;
        }
    }

    /** The servers of backend=remote. */
    public static class Remote {

        /**
         * Base URLs of the replicas (http://gpu-1:8000, with or without /v1). Each request goes to the replica with
         * the fewest requests in flight; one that cannot be reached, or answers 503 or 429, is passed over until a
         * health check (GET /v1/models) answers again.
         */
        private List<URI> baseUrls = new ArrayList<>();

        /** Sent as Authorization: Bearer ...; the servers' API key (vLLM --api-key, LMDeploy --api-keys). */
        private String apiKey;

        /** The served model name sent as the request's model (vLLM --served-model-name, LMDeploy --model-name). */
        private String model;

        /**
         * Which server answers: vllm, lmdeploy or internvl (this project's own server); it decides how image
         * placeholders and tile limits are spelled.
         */
        private RemoteOptions.Flavor flavor = RemoteOptions.Flavor.VLLM;

        /** How long connecting to a replica may take before it counts as down. */
        private Duration connectTimeout = Duration.ofSeconds(5);

        /** How long one request may take, its whole answer included. */
        private Duration requestTimeout = Duration.ofMinutes(10);

        /** How long a failed replica is left alone before a health check may bring it back (unless it said Retry-After). */
        private Duration downFor = Duration.ofSeconds(5);

        /** The servers' tiles per image, reported in the health details and model info (default 12). */
        private Integer maxTiles;

        /** The served model's context length, reported in the model info (0: unknown). */
        private int contextLength;

        public List<URI> getBaseUrls() {
            return baseUrls;
        }

        public void setBaseUrls(List<URI> baseUrls) {
            this.baseUrls = baseUrls;
        }

        public String getApiKey() {
            return apiKey;
        }

        public void setApiKey(String apiKey) {
            this.apiKey = apiKey;
        }

        public String getModel() {
            return model;
        }

        public void setModel(String model) {
            this.model = model;
        }

        public RemoteOptions.Flavor getFlavor() {
            return flavor;
        }

        public void setFlavor(RemoteOptions.Flavor flavor) {
            this.flavor = flavor;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getRequestTimeout() {
            return requestTimeout;
        }

        public void setRequestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
        }

        public Duration getDownFor() {
            return downFor;
        }

        public void setDownFor(Duration downFor) {
            this.downFor = downFor;
        }

        public Integer getMaxTiles() {
            return maxTiles;
        }

        public void setMaxTiles(Integer maxTiles) {
            this.maxTiles = maxTiles;
        }

        public int getContextLength() {
            return contextLength;
        }

        public void setContextLength(int contextLength) {
            this.contextLength = contextLength;
        }
    }
}
