package dev.internvl.spring.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.cors.DefaultCorsProcessor;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.multipart.MultipartHttpServletRequest;
import org.springframework.web.multipart.support.StandardServletMultipartResolver;
import org.springframework.web.util.WebUtils;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every InternVL endpoint request passes before Spring MVC: CORS when {@link ApiSettings#allowedOrigins()} are
 * set, then the body limits: {@link ApiSettings#maxRequestBytes()} per request and
 * {@link ApiSettings#maxBytesInFlight()} for the bodies of all requests together. The API key is checked next, by
 * {@link ApiKeyInterceptor}, before any body is read.
 *
 * <p>CORS is Spring's {@link DefaultCorsProcessor} on a {@link CorsConfiguration} of the allowed origins, methods
 * GET, POST and OPTIONS, any request header, no credentials (the API key is a header, not a cookie). A preflight
 * from an allowed origin is answered here with 204 and never needs the API key (browsers send none with it); one from
 * any other origin gets a 403 JSON error ({@code cors_rejected}). Other requests from an allowed origin get their
 * CORS headers before anything else happens, so errors (401, 413, 503) and event streams carry them too; requests
 * from other origins go on without CORS headers, and the browser keeps their answers from the page.
 *
 * <p>A declared {@code Content-Length} over the limit is a 413 before anything is read, and counts against the
 * budget until the request is answered (503 {@code server_busy} when it does not fit). A body without a length
 * (chunked) counts as it arrives, and reading past the limit or the budget fails the request with the same errors.
 * Multipart form data is resolved here, lazily, with Spring's {@link StandardServletMultipartResolver}: the servlet
 * container parses it within its multipart limits when the controller asks for it, so that failures are the
 * endpoints' JSON errors; a chunked multipart body, which the container reads, counts as the limit.
 *
 * <p>Map it to the endpoint paths ({@link ApiPaths#ALL}); Spring Boot's auto-configuration does.
 */
public class InternVLApiFilter extends OncePerRequestFilter {

    private final ApiSettings settings;
    private final CorsConfiguration cors;
    private final CorsProcessor corsProcessor = new CorsProcessor();
    private final StandardServletMultipartResolver multipart = new StandardServletMultipartResolver();
    private final JacksonJsonHttpMessageConverter json;
    /** Bytes of request bodies held by all requests, within {@link ApiSettings#maxBytesInFlight()}. */
    private final AtomicLong inFlight = new AtomicLong();

    /** The filter of {@code settings}, writing its errors with Jackson's shared mapper. */
    public InternVLApiFilter(ApiSettings settings) {
        this(settings, JsonMapper.shared());
    }

    /** The filter of {@code settings}, writing its errors with {@code mapper} (the application's). */
    public InternVLApiFilter(ApiSettings settings, JsonMapper mapper) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.cors = corsConfiguration(settings.allowedOrigins());
        this.json = new JacksonJsonHttpMessageConverter(mapper);
        multipart.setResolveLazily(true);
    }

    /** The CORS rules of the endpoints for {@code origins}, or null for none (no CORS). */
    static CorsConfiguration corsConfiguration(List<String> origins) {
        if (origins.isEmpty()) {
            return null;
        }
        CorsConfiguration c = new CorsConfiguration();
        c.setAllowedOrigins(origins);
        c.setAllowedMethods(List.of("GET", "POST", "OPTIONS"));
        // the OpenAI clients send their own headers besides Authorization and Content-Type
        c.setAllowedHeaders(List.of(CorsConfiguration.ALL));
        c.setExposedHeaders(List.of("Retry-After"));
        c.setAllowCredentials(false);
        c.setMaxAge(1800L);
        return c;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (cors != null) {
            boolean allowed = corsProcessor.processRequest(cors, request, response);
            if (CorsUtils.isPreFlightRequest(request)) {
                if (allowed) {
                    response.setStatus(HttpServletResponse.SC_NO_CONTENT);
                } else {
                    ApiErrors.write(request, response, new ApiException(403, ApiException.INVALID_REQUEST, null,
                            "cors_rejected", "Cross-origin request refused: the origin, method or headers are not "
                            + "allowed"), json);
                }
                return;
            }
        }
        long limit = settings.maxRequestBytes();
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            ApiErrors.write(request, response, ApiException.tooLarge(limit), json);
            return;
        }
        boolean isMultipart = multipart.isMultipart(request);
        Reservation held = new Reservation();
        HttpServletRequest served = request;
        MultipartHttpServletRequest parts = null;
        try {
            if (declared > 0 || (isMultipart && declared < 0)) {
                if (!held.take(declared > 0 ? declared : limit)) {
                    ApiErrors.write(request, response, budgetExhausted(), json);
                    return;
                }
            } else if (declared < 0 && hasBody(request)) {
                served = new CountedRequest(request, held);
            }
            if (isMultipart && WebUtils.getNativeRequest(request, MultipartHttpServletRequest.class) == null) {
                if (request.getCharacterEncoding() == null) {
                    request.setCharacterEncoding("UTF-8"); // the text fields of browsers' forms
                }
                served = parts = multipart.resolveMultipart(served);
            }
            chain.doFilter(served, response);
        } finally {
            held.release();
            if (parts != null) {
                multipart.cleanupMultipart(parts);
            }
        }
    }

    private ApiException budgetExhausted() {
        return ApiException.busy("The server holds as many request bodies as it takes ("
                + settings.maxBytesInFlight() + " bytes); try again later");
    }

    /** Bytes held now by the bodies of the requests being served. */
    long bytesInFlight() {
        return inFlight.get();
    }

    /** Whether the request may carry a body: any method but GET and HEAD. */
    private static boolean hasBody(HttpServletRequest request) {
        return !"GET".equalsIgnoreCase(request.getMethod()) && !"HEAD".equalsIgnoreCase(request.getMethod());
    }

    /** One request's share of {@link #inFlight}. */
    private final class Reservation {
        private long held;

        /** Whether {@code n} more bytes fit in the budget (then they are held). */
        synchronized boolean take(long n) {
            long max = settings.maxBytesInFlight();
            for (long now = inFlight.get(); ; now = inFlight.get()) {
                if (now + n > max) {
                    return false;
                }
                if (inFlight.compareAndSet(now, now + n)) {
                    held += n;
                    return true;
                }
            }
        }

        synchronized void release() {
            inFlight.addAndGet(-held);
            held = 0;
        }
    }

    /** Reading a body without a length would take the server past its budget of bytes in flight. */
    static final class BudgetExhaustedException extends IOException {
        private final transient ApiException error;

        BudgetExhaustedException(ApiException error) {
            super(error.getMessage(), null);
            this.error = error;
        }

        ApiException error() {
            return error;
        }
    }

    /** A request whose body, of no declared length, counts against the limit and the budget as it is read. */
    private final class CountedRequest extends HttpServletRequestWrapper {
        private final Reservation held;
        private ServletInputStream counted;

        CountedRequest(HttpServletRequest request, Reservation held) {
            super(request);
            this.held = held;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (counted == null) {
                counted = new CountedStream(super.getInputStream(), held);
            }
            return counted;
        }
    }

    private final class CountedStream extends ServletInputStream {
        private final ServletInputStream in;
        private final Reservation held;
        private long total;

        CountedStream(ServletInputStream in, Reservation held) {
            this.in = in;
            this.held = held;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                total += n;
                if (total > settings.maxRequestBytes()) {
                    throw new RequestTooLargeException(settings.maxRequestBytes());
                }
                if (!held.take(n)) {
                    throw new BudgetExhaustedException(budgetExhausted());
                }
            }
            return n;
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }

    /**
     * Spring's CORS checks and headers, without its plain-text 403: a refused preflight gets the JSON error, any other
     * refused request goes on without CORS headers.
     */
    private static final class CorsProcessor extends DefaultCorsProcessor {
        @Override
        protected void rejectRequest(ServerHttpResponse response) {
        }
    }
}
