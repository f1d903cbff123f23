package dev.internvl.spring.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.util.MultiValueMap;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.cors.DefaultCorsProcessor;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriComponentsBuilder;
import org.springframework.web.util.UriUtils;

/**
 * What every InternVL endpoint request passes first: CORS when {@link ApiSettings#allowedOrigins()} are set, then the
 * bearer token (when an API key is set, compared in constant time), then the body size limit, enforced whether the
 * body declares its length or not (chunked), and for multipart bodies too: the body is read into memory up to the
 * limit, and multipart form data is parsed here, from those bytes, instead of by the servlet container. Failures are
 * answered with the endpoints' JSON errors (401, 413, 400 for malformed multipart, 403 for a refused preflight).
 *
 * <p>CORS is Spring's {@link DefaultCorsProcessor} on a {@link CorsConfiguration} of the allowed origins, methods
 * GET, POST and OPTIONS, any request header, no credentials (the API key is a header, not a cookie). A preflight
 * from an allowed origin is answered here with 204 and never needs the API key (browsers send none with it); one from
 * any other origin gets a 403 JSON error. Other requests from an allowed origin get their CORS headers before
 * anything else happens, so errors (401, 413, 503) and event streams carry them too; requests from other origins go
 * on without CORS headers, and the browser keeps their answers from the page.
 *
 * <p>Map it to the endpoint paths ({@link ApiPaths#ALL}); Spring Boot's auto-configuration does. It filters every
 * request it is given.
 */
public class InternVLApiFilter extends OncePerRequestFilter {

    private final ApiSettings settings;
    private final byte[] apiKeyDigest;
    private final CorsConfiguration cors;
    private final CorsProcessor corsProcessor = new CorsProcessor();
    /** Bytes of request bodies held in memory by all requests, within {@link ApiSettings#maxBytesInFlight()}. */
    private final AtomicLong inFlight = new AtomicLong();

    public InternVLApiFilter(ApiSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.apiKeyDigest = settings.apiKey() == null ? null : sha256(settings.apiKey());
        this.cors = corsConfiguration(settings.allowedOrigins());
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
                    ApiErrors.write(response, new ApiException(403, ApiException.INVALID_REQUEST, null,
                            "cors_rejected", "Cross-origin request refused: the origin, method or headers are not "
                            + "allowed"));
                }
                return;
            }
        }
        if (apiKeyDigest != null && !authorized(request)) {
            ApiErrors.write(response, ApiException.unauthorized(request.getHeader("Authorization") == null
                    ? "Missing API key: send it as 'Authorization: Bearer <key>'"
                    : "Invalid API key"));
            return;
        }
        long limit = settings.maxRequestBytes();
        if (request.getContentLengthLong() > limit) {
            ApiErrors.write(response, ApiException.tooLarge(limit));
            return;
        }
        if (!hasBody(request)) {
            chain.doFilter(request, response);
            return;
        }
        // Every byte of a body held in memory counts against the budget until its request has been answered: a
        // declared length up front, a chunked body as it arrives.
        Reservation held = new Reservation();
        try {
            byte[] body;
            try {
                long declared = request.getContentLengthLong();
                if (declared > 0 && !held.take(declared)) {
                    ApiErrors.write(response, busy());
                    return;
                }
                body = declared > 0 ? readDeclared(request.getInputStream(), declared)
                        : readBounded(request.getInputStream(), limit, held);
            } catch (RequestTooLargeException e) {
                ApiErrors.write(response, ApiException.tooLarge(limit));
                return;
            } catch (BudgetExhaustedException e) {
                ApiErrors.write(response, busy());
                return;
            }
            List<Part> parts = null;
            if (MultipartBody.isMultipart(request.getContentType())) {
                try {
                    parts = MultipartBody.parse(body, request.getContentType());
                } catch (ApiException e) {
                    ApiErrors.write(response, e);
                    return;
                }
            }
            chain.doFilter(new BufferedRequest(request, body, parts), response);
        } finally {
            held.release();
        }
    }

    private ApiException busy() {
        return ApiException.busy("The server holds as many request bodies as it takes ("
                + settings.maxBytesInFlight() + " bytes); try again later");
    }

    /** Bytes held in memory now by the bodies of the requests being served. */
    long bytesInFlight() {
        return inFlight.get();
    }

    /** One request's share of {@link #inFlight}. */
    private final class Reservation {
        private long held;

        /** Whether {@code n} more bytes fit in the budget (then they are held). */
        boolean take(long n) {
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

        void release() {
            inFlight.addAndGet(-held);
            held = 0;
        }
    }

    /** A chunked body that would take the server past its budget of bytes in flight. */
    private static final class BudgetExhaustedException extends IOException {
        BudgetExhaustedException() {
            super("the budget of request bytes in flight is spent", null);
        }
    }

    /**
     * A body of a declared length (already checked against the limit), read into an array of that size; shorter
     * when the client stopped sending early (the parsers then say what is missing).
     */
    private static byte[] readDeclared(InputStream in, long length) throws IOException {
        return in.readNBytes((int) length);
    }

    /**
     * Whether the request may carry a body: any method but GET and HEAD, whatever the headers say (a chunked
     * HTTP/1.1 body and an HTTP/2 body may both come without a length).
     */
    private static boolean hasBody(HttpServletRequest request) {
        String method = request.getMethod();
        return !"GET".equalsIgnoreCase(method) && !"HEAD".equalsIgnoreCase(method)
                && request.getContentLengthLong() != 0;
    }

    private boolean authorized(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        // digests have one length whatever the key's, so the comparison time says nothing about the key
        return MessageDigest.isEqual(apiKeyDigest, sha256(header.substring(7).strip()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** All of {@code in}, or {@link RequestTooLargeException} as soon as it holds more than {@code limit} bytes. */
    static byte[] readBounded(InputStream in, long limit) throws IOException {
        return readBounded(in, limit, null);
    }

    /**
     * {@link #readBounded(InputStream, long)}, taking what it holds from {@code held} (twice the bytes read: the
     * buffer and the array it ends as), or failing with {@link BudgetExhaustedException}.
     */
    private static byte[] readBounded(InputStream in, long limit, Reservation held) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[16384];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            total += n;
            if (total > limit) {
                throw new RequestTooLargeException(limit);
            }
            if (held != null && !held.take(2L * n)) {
                throw new BudgetExhaustedException();
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /** The request with its body in memory, and its parts when it is multipart. */
    static final class BufferedRequest extends HttpServletRequestWrapper {
        private final byte[] body;
        private final List<Part> parts;
        private final Map<String, String[]> parameters;
        private ServletInputStream stream;
        private BufferedReader reader;

        BufferedRequest(HttpServletRequest request, byte[] body, List<Part> parts) {
            super(request);
            this.body = body;
            this.parts = parts;
            this.parameters = parts == null ? null : parameters(request.getQueryString(), parts);
        }

        byte[] body() {
            return body;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public ServletInputStream getInputStream() {
            if (reader != null) {
                throw new IllegalStateException("getReader() has been called on this request");
            }
            if (stream == null) {
                stream = new BytesInputStream(body);
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() {
            if (stream != null) {
                throw new IllegalStateException("getInputStream() has been called on this request");
            }
            if (reader == null) {
                String encoding = getCharacterEncoding();
                Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
                reader = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), charset));
            }
            return reader;
        }

        @Override
        public Collection<Part> getParts() throws IOException, ServletException {
            if (parts == null) {
                throw new ServletException("The request is not multipart/form-data");
            }
            return parts;
        }

        @Override
        public Part getPart(String name) throws IOException, ServletException {
            for (Part p : getParts()) {
                if (p.getName().equals(name)) {
                    return p;
                }
            }
            return null;
        }

        // The container would parse multipart parameters from the body it no longer has: answer them here.

        @Override
        public String getParameter(String name) {
            if (parameters == null) {
                return super.getParameter(name);
            }
            String[] v = parameters.get(name);
            return v == null ? null : v[0];
        }

        @Override
        public Map<String, String[]> getParameterMap() {
            return parameters == null ? super.getParameterMap() : parameters;
        }

        @Override
        public Enumeration<String> getParameterNames() {
            return parameters == null ? super.getParameterNames() : Collections.enumeration(parameters.keySet());
        }

        @Override
        public String[] getParameterValues(String name) {
            return parameters == null ? super.getParameterValues(name) : parameters.get(name);
        }

        private static Map<String, String[]> parameters(String query, List<Part> parts) {
            Map<String, List<String>> values = new LinkedHashMap<>();
            if (query != null && !query.isEmpty()) {
                MultiValueMap<String, String> q = UriComponentsBuilder.newInstance().query(query).build()
                        .getQueryParams();
                q.forEach((k, vs) -> vs.forEach(v -> values.computeIfAbsent(decode(k), x -> new ArrayList<>())
                        .add(v == null ? "" : decode(v))));
            }
            for (Part p : parts) {
                if (p.getSubmittedFileName() == null) {
                    values.computeIfAbsent(p.getName(), x -> new ArrayList<>()).add(
                            new String(((MultipartBody.BufferedPart) p).bytes(), StandardCharsets.UTF_8));
                }
            }
            Map<String, String[]> out = new LinkedHashMap<>();
            values.forEach((k, v) -> out.put(k, v.toArray(String[]::new)));
            return Collections.unmodifiableMap(out);
        }

        private static String decode(String s) {
            try {
                return UriUtils.decode(s.replace('+', ' '), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return s;
            }
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

    /** A servlet input stream over bytes in memory. */
    private static final class BytesInputStream extends ServletInputStream {
        private final ByteArrayInputStream in;

        BytesInputStream(byte[] bytes) {
            this.in = new ByteArrayInputStream(bytes);
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, len);
        }

        @Override
        public boolean isFinished() {
            return in.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw new UnsupportedOperationException("the body has been read already; read it blocking");
        }
    }
}
