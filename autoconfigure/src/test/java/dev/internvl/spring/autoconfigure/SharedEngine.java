package dev.internvl.spring.autoconfigure;

import dev.internvl.InternVL;
import dev.internvl.testing.TinyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The application's own engine for the auto-configuration tests that give one: a tiny checkpoint loaded once for all
 * of them (loading is what takes time); the contexts do not close it.
 */
@Configuration(proxyBeanMethods = false)
class SharedEngine {

    private static InternVL engine;

    static synchronized InternVL engine() {
        if (engine == null) {
            try {
                engine = InternVL.load(TinyModel.write(Files.createTempDirectory("internvl-autoconfigure-test")
                        .resolve("tiny-internvl")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return engine;
    }

    @Bean(destroyMethod = "")
    InternVL internVL() {
        return engine();
    }
}
