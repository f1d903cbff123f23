package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.internvl.ChatListener;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

/** The bearer token and the body size limits (declared, chunked, multipart with a length, the budget). */
class ApiFilterTest {

    /** Counts calls; never reached when the filter refuses a request. */
    static final class Counting implements VisionService {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public GroundingResult ground(RgbImage image, String phrase, boolean all, Integer maxTiles,
                ChatListener listener) {
            calls.incrementAndGet();
            return GroundingResult.empty("");
        }

        @Override
        public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles, ChatListener listener) {
            calls.incrementAndGet();
            return OcrResult.of("text");
        }
    }

    // --- bearer token -----------------------------------------------------------------------------------------

    @Test
    void withAnApiKeyEveryEndpointNeedsTheBearerToken() throws Exception {
        Counting vision = new Counting();
        MockMvc mvc = Fixture.mvc(ApiSettings.builder().apiKey("s3cret-key").build(), vision);
        String ocr = "{\"image\":\"" + java.util.Base64.getEncoder().encodeToString(png(8, 8, 0)) + "\"}";

        MvcResult missing = mvc.perform(get("/v1/models")).andReturn();
        assertThat(assertError(missing, 401, "Missing API key: send it as 'Authorization: Bearer <key>'")
                .get("code").getAsString()).isEqualTo("invalid_api_key");
        assertThat(missing.getResponse().getHeader("WWW-Authenticate")).isEqualTo("Bearer");
        assertError(mvc.perform(get("/v1/models").header("Authorization", "Bearer s3cret")).andReturn(), 401,
                "Invalid API key");
        assertError(mvc.perform(get("/v1/models").header("Authorization", "Basic czNjcmV0LWtleQ==")).andReturn(),
                401, "Invalid API key");
        assertError(mvc.perform(get("/v1/models").header("Authorization", "Bearer s3cret-key-and-more")).andReturn(),
                401, "Invalid API key");
        for (String path : new String[] {"/v1/ocr", "/v1/grounding", "/v1/chat/completions"}) {
            assertError(mvc.perform(post(path).contentType(MediaType.APPLICATION_JSON).content(ocr)).andReturn(), 401,
                    "Missing API key");
        }
        assertThat(vision.calls).hasValue(0);

        assertThat(mvc.perform(get("/v1/models").header("Authorization", "Bearer s3cret-key")).andReturn()
                .getResponse().getStatus()).isEqualTo(200);
        assertThat(mvc.perform(get("/v1/models").header("Authorization", "bearer s3cret-key")).andReturn()
                .getResponse().getStatus()).isEqualTo(200);
        MvcResult ok = mvc.perform(post("/v1/ocr").header("Authorization", "Bearer s3cret-key")
                .contentType(MediaType.APPLICATION_JSON).content(ocr)).andReturn();
        assertThat(ok.getResponse().getStatus()).isEqualTo(200);
        assertThat(vision.calls).hasValue(1);
    }

    @Test
    void withoutAnApiKeyNoTokenIsNeeded() throws Exception {
        MockMvc mvc = Fixture.mvc(ApiSettings.builder().apiKey("  ").build(), new Counting());
        assertThat(mvc.perform(get("/v1/models")).andReturn().getResponse().getStatus()).isEqualTo(200);
        assertThat(ApiSettings.builder().apiKey("k").build().toString()).doesNotContain("k,").contains("(set)");
    }

    // --- body size ----------------------------------------------------------------------------------------------

    static final ApiSettings SMALL = ApiSettings.builder().maxRequestBytes(1000).build();

    @Test
    void aDeclaredBodyOverTheLimitIs413() throws Exception {
        Counting vision = new Counting();
        MockMvc mvc = Fixture.mvc(SMALL, vision);
        String big = "{\"image\":\"" + "A".repeat(2000) + "\"}";
        for (String path : new String[] {"/v1/ocr", "/v1/grounding", "/v1/chat/completions"}) {
            MvcResult r = mvc.perform(post(path).contentType(MediaType.APPLICATION_JSON).content(big)).andReturn();
            assertThat(assertError(r, 413, "The request body is larger than 1000 bytes").get("code").getAsString())
                    .isEqualTo("request_too_large");
        }
        assertThat(vision.calls).hasValue(0);
    }

    @Test
    void aMultipartBodyOverTheLimitIs413() throws Exception {
        Counting vision = new Counting();
        MockMvc mvc = Fixture.mvc(SMALL, vision);
        byte[] body = new Fixture.Multipart().file("image", "a.png", "image/png", new byte[1200]).build();
        assertError(mvc.perform(post("/v1/ocr").contentType(Fixture.Multipart.CONTENT_TYPE).content(body))
                .andReturn(), 413, "larger than 1000 bytes");
        assertThat(vision.calls).hasValue(0);
        Fixture.Multipart small = new Fixture.Multipart().file("image", "a.png", "image/png", png(8, 8, 0));
        assertThat(small.build().length).isLessThan(1000);
        assertThat(mvc.perform(small.request("/v1/ocr")).andReturn().getResponse().getStatus()).isEqualTo(200);
        // the limit of multipart bodies without a length is the container's: MultipartBodyTest
    }

    /** A request with a declared body. */
    static MockHttpServletRequest declared(byte[] body) {
        MockHttpServletRequest mock = new MockHttpServletRequest("POST", "/v1/ocr");
        mock.setContentType("application/json");
        mock.setContent(body);
        return mock;
    }

    /** Reads the body as a controller would, and answers what reading it failed with, as the endpoints do. */
    static final FilterChain READING = (req, res) -> {
        try {
            req.getInputStream().readAllBytes();
        } catch (java.io.IOException e) {
            ApiException error = ApiErrors.resolve(e);
            ((HttpServletResponse) res).setStatus(error.status());
            ApiErrors.headers(error).forEach((k, v) -> ((HttpServletResponse) res).setHeader(k, v.get(0)));
            res.getWriter().write(error.code() + ": " + error.getMessage());
        }
    };

    @Test
    void bodiesBeyondTheBudgetOfBytesInFlightAre503UntilEarlierOnesAreAnswered() throws Exception {
        InternVLApiFilter filter = new InternVLApiFilter(ApiSettings.builder().maxRequestBytes(1000)
                .maxBytesInFlight(1500L).build());
        byte[] body = new byte[800];
        List<MockHttpServletResponse> refused = new ArrayList<>();
        FilterChain notServed = (req, res) -> {
            throw new AssertionError("served beyond the budget");
        };
        FilterChain holding = (req, res) -> {
            assertThat(filter.bytesInFlight()).isEqualTo(800);
            // while this body is held, another of 800 bytes does not fit: declared, refused at once; chunked, as
            // soon as it is read
            MockHttpServletResponse r = new MockHttpServletResponse();
            filter.doFilter(declared(body), r, notServed);
            refused.add(r);
            r = new MockHttpServletResponse();
            filter.doFilter(chunked(body, "application/json"), r, READING);
            refused.add(r);
            assertThat(filter.bytesInFlight()).isEqualTo(800);
        };
        filter.doFilter(declared(body), new MockHttpServletResponse(), holding);
        assertThat(refused).hasSize(2).allSatisfy(r -> {
            assertThat(r.getStatus()).isEqualTo(503);
            assertThat(r.getHeader("Retry-After")).isEqualTo("1");
            assertThat(r.getContentAsString()).contains("server_busy").contains("1500 bytes");
        });
        assertThat(filter.bytesInFlight()).isZero();
        // answered (even by a failure), a body gives its bytes back
        assertThatThrownBy(() -> filter.doFilter(declared(body), new MockHttpServletResponse(), (req, res) -> {
            throw new IllegalStateException("boom");
        })).hasMessageContaining("boom");
        assertThat(filter.bytesInFlight()).isZero();
        AtomicInteger served = new AtomicInteger();
        // a chunked body counts as it arrives, and is given back too
        filter.doFilter(chunked(new byte[700], "application/json"), new MockHttpServletResponse(), (req, res) -> {
            req.getInputStream().readAllBytes();
            assertThat(filter.bytesInFlight()).isEqualTo(700);
            served.incrementAndGet();
        });
        filter.doFilter(declared(body), new MockHttpServletResponse(), (req, res) -> served.incrementAndGet());
        assertThat(served).hasValue(2);
        assertThat(filter.bytesInFlight()).isZero();
    }

    @Test
    void theBudgetOfBytesInFlightHoldsAtLeastOneRequestOfTheLargestSize() {
        assertThat(ApiSettings.builder().maxRequestBytes(200L << 20).build().maxBytesInFlight())
                .isEqualTo(200L << 20);
        assertThat(ApiSettings.defaults().maxBytesInFlight()).isEqualTo(128L << 20);
        assertThatThrownBy(() -> ApiSettings.builder().maxRequestBytes(1000).maxBytesInFlight(999L).build())
                .hasMessageContaining("maxBytesInFlight (999) must be at least maxRequestBytes (1000)");
    }

    /** A request whose body comes without a length, as a chunked upload does. */
    static HttpServletRequest chunked(byte[] body, String contentType) {
        MockHttpServletRequest mock = new MockHttpServletRequest("POST", "/v1/ocr");
        mock.setContentType(contentType);
        mock.addHeader("Transfer-Encoding", "chunked");
        ByteArrayInputStream in = new ByteArrayInputStream(body);
        return new HttpServletRequestWrapper(mock) {
            @Override
            public int getContentLength() {
                return -1;
            }

            @Override
            public long getContentLengthLong() {
                return -1;
            }

            @Override
            public ServletInputStream getInputStream() {
                return new ServletInputStream() {
                    @Override
                    public int read() {
                        return in.read();
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        return in.read(b, off, Math.min(len, 100)); // arrives in pieces
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
                    public void setReadListener(ReadListener l) {
                    }
                };
            }
        };
    }

    @Test
    void aChunkedBodyOverTheLimitIs413AsSoonAsItPassesIt() throws Exception {
        InternVLApiFilter filter = new InternVLApiFilter(SMALL);
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(chunked(new byte[5000], "application/json"), response, READING);
        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(response.getContentAsString()).isEqualTo("request_too_large: The request body is larger than "
                + "1000 bytes, the limit of this server");
        // on a real connection, that the endpoint is never reached: MultipartBodyTest
    }

    @Test
    void aChunkedBodyWithinTheLimitReachesTheEndpointWhole() throws Exception {
        InternVLApiFilter filter = new InternVLApiFilter(SMALL);
        byte[] body = "{\"x\":\"%s\"}".formatted("y".repeat(992)).getBytes(StandardCharsets.UTF_8);
        assertThat(body.length).isEqualTo(1000);
        AtomicReference<byte[]> seen = new AtomicReference<>();
        filter.doFilter(chunked(body, "application/json"), new MockHttpServletResponse(),
                (req, res) -> seen.set(req.getInputStream().readAllBytes()));
        assertThat(seen.get()).isEqualTo(body);
    }
}
