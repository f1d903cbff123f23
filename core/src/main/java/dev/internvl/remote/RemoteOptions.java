package dev.internvl.remote;

import dev.internvl.GenerationOptions;
import dev.internvl.InvalidOptionException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where and how a {@link RemoteEngine} reaches its servers.
 *
 * @param baseUrls       the replicas' base URLs, each up to and without {@code /v1} ({@code http://gpu-1:8000})
 * @param apiKey         sent as {@code Authorization: Bearer ...}, or null
 * @param model          the served model name sent as {@code model}
 * @param flavor         which server answers (how images, tile limits and errors are spelled)
 * @param connectTimeout how long connecting to a replica may take before it counts as down
 * @param requestTimeout how long one request may take, answer included
 * @param downFor        how long a replica that failed is left alone before a health check may bring it back,
 *                       unless it said {@code Retry-After}
 * @param maxTiles       tiles per image the servers are set up for, reported by {@code info()} (null: 12)
 * @param contextLength  the served model's context, reported by {@code info()} (0: unknown)
 * @param defaults       generation options of requests that carry none
 */
public record RemoteOptions(List<URI> baseUrls, String apiKey, String model, Flavor flavor, Duration connectTimeout,
        Duration requestTimeout, Duration downFor, Integer maxTiles, int contextLength, GenerationOptions defaults) {

    /** The servers a remote engine can talk to. */
    public enum Flavor {
        /** This project's own server ({@code /v1/chat/completions} with {@code max_tiles}). */
        INTERNVL,
        /** vLLM's OpenAI-compatible server ({@code mm_processor_kwargs.max_dynamic_patch}). */
        VLLM,
        /** LMDeploy's {@code api_server} ({@code <IMAGE_TOKEN>} placeholders, per-image {@code max_dynamic_patch}). */
        LMDEPLOY
    }

    public RemoteOptions {
        if (baseUrls == null || baseUrls.isEmpty()) {
            throw new InvalidOptionException("baseUrls", "must name at least one server", baseUrls);
        }
        baseUrls = baseUrls.stream().map(RemoteOptions::normalize).toList();
        if (model == null || model.isBlank()) {
            throw new InvalidOptionException("model", "must be the served model name", model);
        }
        flavor = flavor == null ? Flavor.VLLM : flavor;
        connectTimeout = positive("connectTimeout", connectTimeout, Duration.ofSeconds(5));
        requestTimeout = positive("requestTimeout", requestTimeout, Duration.ofMinutes(10));
        downFor = positive("downFor", downFor, Duration.ofSeconds(5));
        InvalidOptionException.checkTiles("maxTiles", maxTiles);
        if (contextLength < 0) {
            throw new InvalidOptionException("contextLength", "must be >= 0 (0 is unknown)", contextLength);
        }
        defaults = defaults == null ? GenerationOptions.builder().build() : defaults;
    }

    /** Options for {@code model} served at {@code baseUrls} by {@code flavor}, with the default timeouts. */
    public static RemoteOptions of(Flavor flavor, String model, List<URI> baseUrls) {
        return new RemoteOptions(baseUrls, null, model, flavor, null, null, null, null, 0, null);
    }

    public RemoteOptions withApiKey(String key) {
        return new RemoteOptions(baseUrls, key, model, flavor, connectTimeout, requestTimeout, downFor, maxTiles,
                contextLength, defaults);
    }

    public RemoteOptions withTimeouts(Duration connect, Duration request, Duration down) {
        return new RemoteOptions(baseUrls, apiKey, model, flavor, connect, request, down, maxTiles, contextLength,
                defaults);
    }

    public RemoteOptions withDefaults(GenerationOptions generation) {
        return new RemoteOptions(baseUrls, apiKey, model, flavor, connectTimeout, requestTimeout, downFor, maxTiles,
                contextLength, generation);
    }

    private static URI normalize(URI url) {
        Objects.requireNonNull(url, "base URL");
        String s = url.toString();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.endsWith("/v1")) {
            s = s.substring(0, s.length() - 3);
        }
        if (!s.startsWith("http://") && !s.startsWith("https://")) {
            throw new InvalidOptionException("baseUrls", "must be http:// or https:// URLs", url);
        }
        return URI.create(s);
    }

    private static Duration positive(String field, Duration d, Duration fallback) {
        if (d == null) {
            return fallback;
        }
        if (d.isNegative() || d.isZero()) {
            throw new InvalidOptionException(field, "must be positive", d);
        }
        return d;
    }
}
