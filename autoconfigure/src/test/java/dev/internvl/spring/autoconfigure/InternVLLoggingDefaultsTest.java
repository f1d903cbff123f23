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
    void bootFindsIt() throws java.io.IOException {
        java.util.List<String> registered = new java.util.ArrayList<>();
        var files = getClass().getClassLoader().getResources(SpringFactoriesLoader.FACTORIES_RESOURCE_LOCATION);
        while (files.hasMoreElements()) {
            var properties = org.springframework.core.io.support.PropertiesLoaderUtils.loadProperties(
                    new org.springframework.core.io.UrlResource(files.nextElement()));
            String names = properties.getProperty(org.springframework.boot.EnvironmentPostProcessor.class.getName());
            if (names != null) {
                registered.addAll(java.util.Arrays.asList(names.split(",")));
            }
        }
        assertThat(registered).contains(InternVLLoggingDefaults.class.getName());
    }
}
