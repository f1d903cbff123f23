package dev.internvl.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.unit.DataSize;

/** Boot's multipart limits default to the endpoints' body limit; the application's own settings win. */
class InternVLMultipartLimitsTest {

    static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("application", properties));
        new InternVLMultipartLimits().postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }

    static DataSize limit(StandardEnvironment environment, String name) {
        return Binder.get(environment).bind("spring.servlet.multipart." + name, DataSize.class).orElse(null);
    }

    @Test
    void theMultipartLimitsFollowTheEndpointsBodyLimit() {
        StandardEnvironment defaults = environment(Map.of());
        assertThat(limit(defaults, "max-file-size")).isEqualTo(DataSize.ofMegabytes(20));
        assertThat(limit(defaults, "max-request-size")).isEqualTo(DataSize.ofMegabytes(20));
        StandardEnvironment small = environment(Map.of("spring.ai.internvl.web.max-request-size", "256KB"));
        assertThat(limit(small, "max-file-size")).isEqualTo(DataSize.ofKilobytes(256));
        assertThat(limit(small, "max-request-size")).isEqualTo(DataSize.ofKilobytes(256));
    }

    @Test
    void theApplicationsOwnLimitsWin() {
        StandardEnvironment own = environment(Map.of("spring.servlet.multipart.max-file-size", "5MB"));
        assertThat(limit(own, "max-file-size")).isEqualTo(DataSize.ofMegabytes(5));
        assertThat(limit(own, "max-request-size")).isEqualTo(DataSize.ofMegabytes(20));
        StandardEnvironment off = environment(Map.of("spring.ai.internvl.web.enabled", "false"));
        assertThat(limit(off, "max-file-size")).isNull();
    }
}
