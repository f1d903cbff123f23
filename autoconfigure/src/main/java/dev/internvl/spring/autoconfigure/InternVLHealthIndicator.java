package dev.internvl.spring.autoconfigure;

import dev.internvl.InternVL;
import dev.internvl.generate.BatchScheduler;
import dev.internvl.hub.HubCache;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Reports the loaded InternVL model: up once the checkpoint has loaded (it loads at start-up or the application
 * does not start), with the checkpoint, dtype, device, template and tiling as details, and the current load:
 * {@code running} (requests in the batch, decoding or being admitted) and {@code waiting} (requests queued for a
 * place in it). A checkpoint from the Hugging Face cache also shows its {@code source}, {@code org/name@commit}. A busy engine is still up: requests beyond its queue are refused, not failed.
 */
public class InternVLHealthIndicator extends AbstractHealthIndicator {

    private final InternVL engine;
    private final String modelId;

    public InternVLHealthIndicator(InternVL engine, String modelId) {
        super("InternVL health check failed");
        this.engine = engine;
        this.modelId = modelId;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        var dir = engine.model().checkpoint().dir();
        BatchScheduler.Load load = engine.load();
        builder.up()
                .withDetail("model", modelId != null ? modelId : String.valueOf(dir.getFileName()))
                .withDetail("path", dir.toAbsolutePath().toString());
        HubCache.describe(dir).ifPresent(source -> builder.withDetail("source", source));
        builder.withDetail("dtype", engine.model().options().dtype().toString())
                .withDetail("device", engine.model().options().device())
                .withDetail("template", engine.template().name())
                .withDetail("maxTiles", engine.preprocessOptions().maxTiles())
                .withDetail("running", load.running())
                .withDetail("waiting", load.waiting());
    }
}
