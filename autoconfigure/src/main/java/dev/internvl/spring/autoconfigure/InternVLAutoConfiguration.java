package dev.internvl.spring.autoconfigure;

import dev.internvl.BatchingOptions;
import dev.internvl.EngineOptions;
import dev.internvl.ChatEngine;
import dev.internvl.InternVL;
import dev.internvl.InvalidOptionException;
import dev.internvl.remote.RemoteEngine;
import dev.internvl.remote.RemoteOptions;
import dev.internvl.InvalidOptionException;
import dev.internvl.hub.HubException;
import dev.internvl.hub.HubSettings;
import dev.internvl.hub.ModelDownloader;
import dev.internvl.hub.ProgressLog;
import dev.internvl.hub.RepoId;
import dev.internvl.model.DeviceMap;
import dev.internvl.model.ModelOptions;
import dev.internvl.model.Quantization;
import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.text.ConversationTemplates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.ai.model.SpringAIModelProperties;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * Loads the InternVL checkpoint named by {@code spring.ai.internvl.model.path} (or, without it, downloaded from the
 * Hugging Face hub by {@code spring.ai.internvl.model.id} into the Hugging Face cache, with progress in the log) once,
 * at start-up, and closes it with the context. Active when {@code spring.ai.model.chat} is {@code internvl} or absent, or when
 * {@code spring.ai.internvl.tools.enabled} is set to true (the vision tools for a planner of another provider).
 */
@AutoConfiguration
@ConditionalOnClass(InternVL.class)
@Conditional(InternVLAutoConfiguration.EngineWanted.class)
@EnableConfigurationProperties(InternVLProperties.class)
public class InternVLAutoConfiguration {

    /** InternVL is the chat model (selected, or nothing selected), or its vision tools are asked for explicitly. */
    static class EngineWanted extends AnyNestedCondition {

        EngineWanted() {
            super(ConfigurationPhase.PARSE_CONFIGURATION);
        }

        @ConditionalOnProperty(name = SpringAIModelProperties.CHAT_MODEL, havingValue = InternVLChatModel.PROVIDER,
                matchIfMissing = true)
        static class ChatModel {
        }

        @ConditionalOnProperty(name = InternVLToolsProperties.PREFIX + ".enabled", havingValue = "true")
        static class Tools {
        }
    }

    static final String MODEL_PATH = InternVLProperties.PREFIX + ".model.path";
    static final String MODEL_ID = InternVLProperties.PREFIX + ".model.id";

    private static final Log logger = LogFactory.getLog(InternVLAutoConfiguration.class);

    /** Where the checkpoint folder came from: the property that named it and what it said. */
    record CheckpointSource(Path dir, String property, String value) {

        String describe() {
            return property + "=" + value + (property.equals(MODEL_ID) ? " (" + dir + ")" : "");
        }
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(ChatEngine.class)
    @ConditionalOnProperty(prefix = InternVLProperties.PREFIX, name = "backend", havingValue = "local",
            matchIfMissing = true)
    public InternVL internVL(InternVLProperties properties) {
        EngineOptions options = engineOptions(properties);
        CheckpointSource checkpoint = checkpoint(properties);
        long start = System.nanoTime();
        InternVL engine;
        try {
            engine = InternVL.load(checkpoint.dir(), options);
        } catch (RuntimeException e) {
            throw new InternVLConfigurationException(checkpoint.property(), checkpoint.describe()
                    + ": could not load the InternVL checkpoint (dtype " + options.model().dtype() + ", device "
                    + options.model().device() + "): " + e.getMessage(), e);
        }
        logger.info("Loaded InternVL checkpoint " + checkpoint.dir() + " (" + options.model().dtype() + ", "
                + options.model().device() + ", template " + engine.info().template() + ") in "
                + (System.nanoTime() - start) / 1_000_000 + " ms");
        return engine;
    }

    /**
     * backend=remote: the model answers on OpenAI-compatible servers (vLLM, LMDeploy or this project's own); nothing
     * is loaded here.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(ChatEngine.class)
    @ConditionalOnProperty(prefix = InternVLProperties.PREFIX, name = "backend", havingValue = "remote")
    public RemoteEngine internVLRemoteEngine(InternVLProperties properties) {
        InternVLProperties.Remote r = properties.getRemote();
        String prefix = InternVLProperties.PREFIX + ".remote.";
        if (r.getBaseUrls() == null || r.getBaseUrls().isEmpty()) {
            throw new InternVLConfigurationException(prefix + "base-urls", prefix + "base-urls is not set: with "
                    + InternVLProperties.PREFIX + ".backend=remote, name the servers (e.g. http://gpu-1:8000)");
        }
        if (r.getModel() == null || r.getModel().isBlank()) {
            throw new InternVLConfigurationException(prefix + "model", prefix + "model is not set: with "
                    + InternVLProperties.PREFIX + ".backend=remote, give the served model name (vLLM "
                    + "--served-model-name, LMDeploy --model-name)");
        }
        RemoteOptions options;
        try {
            options = new RemoteOptions(r.getBaseUrls(), r.getApiKey(), r.getModel().strip(), r.getFlavor(),
                    r.getConnectTimeout(), r.getRequestTimeout(), r.getDownFor(), r.getMaxTiles(), r.getContextLength(),
                    engineOptions(properties).generation());
        } catch (InvalidOptionException e) {
            String property = prefix + kebab(e.field());
            throw new InternVLConfigurationException(property, e.renamed(property, "").getMessage(), e);
        }
        logger.info("InternVL answers on " + r.getFlavor() + " servers " + options.baseUrls() + " (model "
                + options.model() + ")");
        return RemoteEngine.connect(options);
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    /** The folder of {@code model.path}, else the snapshot of {@code model.id} in the Hugging Face cache. */
    static CheckpointSource checkpoint(InternVLProperties properties) {
        Path dir = properties.getModel().getPath();
        String id = properties.getModel().getId();
        if ((dir == null || dir.toString().isBlank()) && id != null && !id.isBlank()) {
            return new CheckpointSource(download(properties.getModel()), MODEL_ID, id.strip());
        }
        return new CheckpointSource(checkpointFolder(properties), MODEL_PATH, String.valueOf(dir));
    }

    static Path checkpointFolder(InternVLProperties properties) {
        Path dir = properties.getModel().getPath();
        if (dir == null || dir.toString().isBlank()) {
            throw new InternVLConfigurationException(MODEL_PATH, MODEL_PATH + " is not set: point it at the folder "
                    + "of a downloaded InternVL checkpoint, or set " + MODEL_ID + " to a Hugging Face model id (for "
                    + "example OpenGVLab/InternVL2-1B) to download it");
        }
        if (!Files.exists(dir)) {
            throw new InternVLConfigurationException(MODEL_PATH, MODEL_PATH + "=" + dir + ": no such folder"
                    + (dir.isAbsolute() ? "" : " (relative to " + Path.of("").toAbsolutePath() + ")"));
        }
        if (!Files.isDirectory(dir)) {
            throw new InternVLConfigurationException(MODEL_PATH, MODEL_PATH + "=" + dir + ": not a folder; give the "
                    + "checkpoint folder that holds config.json, not a file in it");
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new InternVLConfigurationException(MODEL_PATH, MODEL_PATH + "=" + dir + ": no config.json in this "
                    + "folder, so it is not a Hugging Face checkpoint folder");
        }
        return dir;
    }

    /**
     * Downloads what the cache lacks of {@code model.id} at {@code model.revision} (nothing, and no request, when
     * the snapshot is complete), logging progress every 10 % or 5 seconds.
     */
    static Path download(InternVLProperties.Model model) {
        String id = model.getId().strip();
        if (!RepoId.isValid(id)) {
            throw new InternVLConfigurationException(MODEL_ID, MODEL_ID + "=" + id + ": not a Hugging Face model "
                    + "id (org/name, for example OpenGVLab/InternVL2-1B); to load a checkpoint folder, set "
                    + MODEL_PATH);
        }
        HubSettings settings;
        try {
            settings = HubSettings.fromEnvironment().withToken(model.getToken());
        } catch (IllegalArgumentException e) {
            throw new InternVLConfigurationException(MODEL_ID, MODEL_ID + "=" + id + ": " + e.getMessage(), e);
        }
        ModelDownloader downloader = new ModelDownloader(settings);
        try {
            Path dir = downloader.download(id, model.getRevision(), new ProgressLog(logger::info));
            logger.info("InternVL checkpoint " + id + " (revision " + model.getRevision() + ") is in the Hugging "
                    + "Face cache: " + dir);
            return dir;
        } catch (HubException e) {
            throw new InternVLConfigurationException(MODEL_ID, MODEL_ID + ": " + e.getMessage(), e);
        }
    }

    static EngineOptions engineOptions(InternVLProperties p) {
        String prefix = InternVLProperties.PREFIX + ".";
        ModelOptions model;
        try {
            model = ModelOptions.defaults().withDtype(p.getDtype()).withDevice(p.getDevice());
        } catch (IllegalArgumentException e) {
            throw new InternVLConfigurationException(prefix + "device", prefix + "device=" + p.getDevice()
                    + ": not a device InternVL can run on; use cpu, cuda, cuda:N or mps", e);
        }
        try {
            model = model.withQuantization(Quantization.parse(p.getQuantization()));
        } catch (IllegalArgumentException e) {
            throw new InternVLConfigurationException(prefix + "quantization", prefix + "quantization="
                    + p.getQuantization() + ": " + e.getMessage(), e);
        }
        model = model.withQuantizationCache(p.getQuantizationCache()).withPackedWeights(p.isPackedWeights());
        if (p.getDeviceMap() != null && !p.getDeviceMap().isBlank()) {
            String spec = p.getDeviceMap().strip();
            if (!spec.equals("auto")) {
                try {
                    DeviceMap.parse(spec, 1_000); // syntax and device names; layer ranges are checked at load
                } catch (IllegalArgumentException e) {
                    throw new InternVLConfigurationException(prefix + "device-map", prefix + "device-map=" + spec
                            + ": " + e.getMessage(), e);
                }
            }
            model = model.withDeviceMap(spec);
        }
        if (p.getTemplate() != null && !ConversationTemplates.names().contains(p.getTemplate())) {
            throw new InternVLConfigurationException(prefix + "template", prefix + "template=" + p.getTemplate()
                    + ": unknown conversation template; known templates: "
                    + String.join(", ", ConversationTemplates.names()));
        }
        BatchingOptions batching = batchingOptions(p.getBatching());
        try {
            return EngineOptions.defaults().withModel(model).withTemplate(p.getTemplate())
                    .withSystemMessage(p.getSystemMessage())
                    .withTiles(p.getMinTiles(), p.getMaxTiles(), p.getThumbnail()).withBatching(batching);
        } catch (InvalidOptionException e) {
            throw configurationError(e, Map.of("minTiles", prefix + "min-tiles", "maxTiles", prefix + "max-tiles"));
        }
    }

    /** The batching properties, as the engine's {@link BatchingOptions} (whose errors name the property). */
    static BatchingOptions batchingOptions(InternVLProperties.Batching b) {
        String prefix = InternVLProperties.PREFIX + ".batching.";
        try {
            return new BatchingOptions(b.getMaxBatchSize(), b.getMaxQueue(), b.getPrefillChunk(),
                    b.getVisionTilesPerStep(), b.getVisionLayersPerStep());
        } catch (InvalidOptionException e) {
            throw configurationError(e, Map.of("maxBatch", prefix + "max-batch-size", "maxQueue",
                    prefix + "max-queue", "prefillChunk", prefix + "prefill-chunk", "visionTilesPerStep",
                    prefix + "vision-tiles-per-step", "visionLayersPerStep", prefix + "vision-layers-per-step"));
        }
    }

    /**
     * An engine's option error as a configuration error naming the property: {@code <property>=<value>: <rule>},
     * the engine's field names in the rule replaced by their properties.
     *
     * @param properties the property of each engine field
     */
    static InternVLConfigurationException configurationError(InvalidOptionException e,
            Map<String, String> properties) {
        String property = properties.getOrDefault(e.field(), e.field());
        String rule = e.rule();
        for (Map.Entry<String, String> f : properties.entrySet()) {
            rule = rule.replaceAll("\\b" + f.getKey() + "\\b", f.getValue());
        }
        return new InternVLConfigurationException(property, property + "=" + e.value() + ": " + rule, e);
    }
}
