package dev.internvl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;

/** DJL's CUDA probe logs only errors in a starter app, unless the application says otherwise. */
class InternVLLoggingDefaultsTest {

    static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("application", properties));
        new InternVLLoggingDefaults().postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }

    @Test
    void theCudaProbeLogsOnlyErrorsUnlessTheApplicationSetsItsLevel() {
        assertThat(environment(Map.of()).getProperty(InternVLLoggingDefaults.CUDA_PROBE)).isEqualTo("error");
        assertThat(environment(Map.of(InternVLLoggingDefaults.CUDA_PROBE, "warn"))
                .getProperty(InternVLLoggingDefaults.CUDA_PROBE)).isEqualTo("warn");
    }

    @Test
    void bootFindsIt() {
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation()
                .load(org.springframework.boot.EnvironmentPostProcessor.class))
                .anyMatch(p -> p instanceof InternVLLoggingDefaults);
    }
}
