package dev.internvl.spring.autoconfigure;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Quiets DJL's CUDA probe: on a machine without a usable GPU, loading libtorch logs "Failed to detect GPU count"
 * warnings from {@code ai.djl.util.cuda.CudaUtils}, which say nothing wrong about a CPU setup. Its level defaults
 * to {@code error}; an application that sets {@code logging.level.ai.djl.util.cuda.CudaUtils} itself wins (this
 * source comes last).
 */
public class InternVLLoggingDefaults implements EnvironmentPostProcessor {

    static final String SOURCE = "internVLLoggingDefaults";

    static final String CUDA_PROBE = "logging.level.ai.djl.util.cuda.CudaUtils";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(CUDA_PROBE, "error")));
    }
}
