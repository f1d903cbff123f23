package dev.internvl.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * What the InternVL controllers share: their errors answered as JSON ({@link ApiErrors}) by the controllers
 * themselves, so that an application mounting them needs no controller advice, and the reading of request bodies
 * within {@link ApiSettings#maxRequestBytes()}.
 */
abstract class ApiController {

    final ApiSettings settings;

    ApiController(ApiSettings settings) {
        this.settings = settings;
    }

    @ExceptionHandler(Exception.class)
    public void handleError(Exception e, HttpServletResponse response) throws IOException {
        ApiErrors.write(response, e);
    }

    /** The request body, as buffered by {@link InternVLApiFilter} or read here within the same limit. */
    byte[] body(HttpServletRequest request) throws IOException {
        InternVLApiFilter.BufferedRequest buffered = unwrap(request);
        if (buffered != null) {
            return buffered.body();
        }
        return InternVLApiFilter.readBounded(request.getInputStream(), settings.maxRequestBytes());
    }

    private static InternVLApiFilter.BufferedRequest unwrap(jakarta.servlet.ServletRequest request) {
        while (request instanceof jakarta.servlet.ServletRequestWrapper w) {
            if (w instanceof InternVLApiFilter.BufferedRequest b) {
                return b;
            }
            request = w.getRequest();
        }
        return null;
    }

    /** JSON content types, or none given. */
    static boolean isJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        String t = contentType.toLowerCase(Locale.ROOT).split(";")[0].strip();
        return t.equals("application/json") || t.endsWith("+json");
    }

    /** A 404 unless {@code requested} is null or the served model. */
    static void checkModel(String requested, String served) {
        if (requested != null && !requested.equals(served)) {
            throw ApiException.modelNotFound(requested, served);
        }
    }
}
