package dev.internvl.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import tools.jackson.databind.json.JsonMapper;

/**
 * The bearer token of {@link ApiSettings#apiKey()}: requests to the endpoint paths without it, or with another one,
 * get a 401 ({@code invalid_api_key}, {@code WWW-Authenticate: Bearer}) before their body is read. The comparison
 * takes the same time whatever the token (digests of equal length, {@link MessageDigest#isEqual}). A CORS preflight
 * from an allowed origin never gets here: {@link InternVLApiFilter} answers it.
 */
public class ApiKeyInterceptor implements HandlerInterceptor {

    private final byte[] keyDigest;
    private final JacksonJsonHttpMessageConverter json;

    public ApiKeyInterceptor(ApiSettings settings, JsonMapper mapper) {
        this.keyDigest = settings.apiKey() == null ? null : sha256(settings.apiKey());
        this.json = new JacksonJsonHttpMessageConverter(mapper);
    }

    /** Registers an interceptor of {@code settings} for the endpoint paths ({@link ApiPaths#PATTERNS}). */
    public static void register(InterceptorRegistry registry, ApiSettings settings, JsonMapper mapper) {
        registry.addInterceptor(new ApiKeyInterceptor(settings, mapper)).addPathPatterns(ApiPaths.PATTERNS);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws IOException {
        if (keyDigest == null || authorized(request.getHeader(HttpHeaders.AUTHORIZATION))) {
            return true;
        }
        ApiErrors.write(request, response, ApiException.unauthorized(
                request.getHeader(HttpHeaders.AUTHORIZATION) == null
                        ? "Missing API key: send it as 'Authorization: Bearer <key>'" : "Invalid API key"), json);
        return false;
    }

    private boolean authorized(String header) {
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(keyDigest, sha256(header.substring(7).strip()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
