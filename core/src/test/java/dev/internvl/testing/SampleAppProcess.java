package dev.internvl.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The sample app started from its jar on a free loopback port, for the tests of clients written by others
 * ({@code client-tests/*}): it is ready once {@code GET /v1/models} answers 200, and its output goes to a log file
 * that a failed start shows.
 */
public final class SampleAppProcess implements AutoCloseable {

    private final Process process;
    private final int port;

    private SampleAppProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * The sample app's jar, as the client modules' surefire configuration names it ({@code internvl.sample.app.jar});
     * a test is skipped when it is not built, except on CI ({@code CI=true}), where that fails it.
     */
    public static Path builtJar() {
        Path jar = Path.of(System.getProperty("internvl.sample.app.jar",
                "../../samples/app/target/internvl-sample-app.jar"));
        boolean ci = "true".equals(System.getenv("CI"));
        Assumptions.assumeTrue(ci || Files.isRegularFile(jar), "the sample app jar is not built: " + jar);
        return jar;
    }

    /**
     * Starts the built sample app ({@link #builtJar()}) on a tiny random checkpoint written into {@code workDir}, with
     * one tile per image, {@code apiKey} as its API key when not null, and {@code arguments}; its log is
     * {@code workDir/app.log}.
     */
    public static SampleAppProcess startOnTinyModel(Path workDir, String apiKey, List<String> arguments)
            throws IOException, InterruptedException {
        Path jar = builtJar();
        List<String> all = new ArrayList<>(List.of(
                "--spring.ai.internvl.model.path=" + TinyModel.write(workDir.resolve("tiny-internvl")),
                "--spring.ai.internvl.max-tiles=1"));
        if (apiKey != null) {
            all.add("--spring.ai.internvl.web.api-key=" + apiKey);
        }
        all.addAll(arguments);
        return start(jar, apiKey, workDir.resolve("app.log"), all);
    }

    /**
     * Starts {@code jar} with {@code arguments} (after the port and address) and waits up to 3 minutes for it to answer.
     *
     * @param apiKey the key it is started with ({@code spring.ai.internvl.web.api-key}), or null
     * @param log    where its output goes
     */
    public static SampleAppProcess start(Path jar, String apiKey, Path log, List<String> arguments)
            throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx2g", "-jar", jar.toString(), "--server.port=" + port,
                "--server.address=127.0.0.1"));
        command.addAll(arguments);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        SampleAppProcess app = new SampleAppProcess(process, port);
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest.Builder models = HttpRequest.newBuilder(URI.create(app.baseUrl() + "/v1/models"))
                .timeout(Duration.ofSeconds(5));
        if (apiKey != null) {
            models.header("Authorization", "Bearer " + apiKey);
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the sample app exited with " + process.exitValue() + ":\n"
                        + Files.readString(log));
            }
            try {
                if (http.send(models.build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return app;
                }
            } catch (IOException notYet) {
                // still starting
            }
            if (System.nanoTime() > deadline) {
                app.close();
                throw new IllegalStateException("the sample app did not answer within 3 minutes:\n"
                        + Files.readString(log));
            }
            Thread.sleep(250);
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Stops it: a polite signal first, then by force after 20 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
