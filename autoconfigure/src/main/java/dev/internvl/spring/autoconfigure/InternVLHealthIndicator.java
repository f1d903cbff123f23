package dev.internvl.spring.autoconfigure;

import dev.internvl.ChatEngine;
import dev.internvl.remote.RemoteEngine;
import dev.internvl.CheckpointInspection;
import dev.internvl.EngineStats;
import dev.internvl.InternVL;
import dev.internvl.ModelInfo;
import dev.internvl.hub.HubCache;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Reports the loaded InternVL model: up once the checkpoint has loaded (it loads at start-up or the application
 * does not start), with the checkpoint, dtype, device, quantization, packedWeights, template and tiling as details,
 * the key facts of {@link CheckpointInspection} ({@code decoder}, {@code vision}, {@code tokenizer},
 * {@code parameters}, {@code weightBytes} of the weights as loaded, {@code kvCacheBytesPerToken}), and the current
 * load: {@code running} (requests in the batch, decoding or being admitted) and {@code waiting} (requests queued for a
 * place in it). A checkpoint from the Hugging Face cache also shows its {@code source}, {@code org/name@commit}. A
 * busy engine is still up: requests beyond its queue are refused, not failed. An engine whose worker kept failing
 * and stopped is down, with the cause as {@code failure}: it refuses every request until it is loaded again.
 */
public class InternVLHealthIndicator extends AbstractHealthIndicator {

    private final ChatEngine engine;
    private final String modelId;
    private volatile Map<String, Object> facts;

    public InternVLHealthIndicator(ChatEngine engine, String modelId) {
        super("InternVL health check failed");
        this.engine = engine;
        this.modelId = modelId;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        var dir = engine.info().dir();
        EngineStats load = engine.stats();
        if (load.failure() != null) {
            builder.down().withDetail("failure", load.failure());
        } else {
            builder.up();
        }
        builder.withDetail("model", modelId != null ? modelId : engine.modelName());
        if (dir != null) {
            builder.withDetail("path", dir.toAbsolutePath().toString());
            HubCache.describe(dir).ifPresent(source -> builder.withDetail("source", source));
        }
        if (engine instanceof RemoteEngine remote) {
            builder.withDetail("replicas", remote.replicas().stream().map(r -> {
                Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("url", r.url().toString());
                m.put("up", r.up());
                m.put("inFlight", r.inFlight());
                m.put("answered", r.answered());
                m.put("meanLatencyMs", Math.round(r.meanLatencyMs()));
                if (r.lastError() != null) {
                    m.put("lastError", r.lastError());
                }
                return m;
            }).toList());
        }
        ModelInfo info = engine.info();
        builder.withDetail("dtype", info.dtype())
                .withDetail("device", info.device())
                .withDetail("quantization", info.quantization())
                .withDetail("packedWeights", info.packedWeights())
                .withDetail("template", info.template())
                .withDetail("maxTiles", info.maxTiles())
                .withDetails(facts())
                .withDetail("running", load.running())
                .withDetail("waiting", load.waiting());
    }

    /** The inspection's key facts, computed once: the checkpoint does not change under a loaded engine. */
    private Map<String, Object> facts() {
        Map<String, Object> f = facts;
        if (f == null) {
            f = engine instanceof InternVL local ? CheckpointInspection.of(local)
                    .healthDetails(engine.info().quantization(), engine.info().packedWeights()) : Map.of();
            facts = f;
        }
        return f;
    }
}
