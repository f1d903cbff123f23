package dev.internvl.spring.autoconfigure;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Spring Boot's multipart limits ({@code spring.servlet.multipart.max-file-size} and {@code max-request-size}),
 * under which the servlet container parses uploads to the InternVL endpoints, default to
 * {@code spring.ai.internvl.web.max-request-size} (20 MB) instead of Boot's 1 MB and 10 MB when the application has
 * the web module: an upload of the size the endpoints take is not refused by the container first, and one without a
 * {@code Content-Length} is held to that size too. Properties the application sets win (this source comes last).
 */
public class InternVLMultipartLimits implements EnvironmentPostProcessor {

    static final String SOURCE = "internVLMultipartLimits";

    private static final String WEB_MODULE = "dev.internvl.spring.web.InternVLApiFilter";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!ClassUtils.isPresent(WEB_MODULE, getClass().getClassLoader())
                || "false".equals(environment.getProperty(InternVLWebProperties.PREFIX + ".enabled"))) {
            return;
        }
        String limit = "${" + InternVLWebProperties.PREFIX + ".max-request-size:20MB}";
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(
                "spring.servlet.multipart.max-file-size", limit, "spring.servlet.multipart.max-request-size", limit)));
    }
}
