package dev.internvl.spring.web;

import static dev.internvl.spring.web.Fixture.assertError;
import static dev.internvl.spring.web.Fixture.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.internvl.generate.Generator;
import dev.internvl.grounding.GroundingResult;
import dev.internvl.grounding.OcrResult;
import dev.internvl.image.RgbImage;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.Part;
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

/** The bearer token, the body size limit (declared, chunked, multipart) and multipart parsing of the API filter. */
class ApiFilterTest {

    /** Counts calls; never reached when the filter refuses a request. */
    static final class Counting implements VisionService {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public GroundingResult ground(RgbImage image, String phrase, boolean all, Integer maxTiles,
                Generator.Listener listener) {
            calls.incrementAndGet();
            return GroundingResult.empty("");
        }

        @Override
        public OcrResult ocr(RgbImage image, boolean keyValues, Integer maxTiles, Generator.Listener listener) {
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
        byte[] small = new Fixture.Multipart().file("image", "a.png", "image/png", png(8, 8, 0)).build();
        assertThat(small.length).isLessThan(1000);
        assertThat(mvc.perform(post("/v1/ocr").contentType(Fixture.Multipart.CONTENT_TYPE).content(small))
                .andReturn().getResponse().getStatus()).isEqualTo(200);
    }

    /** A request with a declared body. */
    static MockHttpServletRequest declared(byte[] body) {
        MockHttpServletRequest mock = new MockHttpServletRequest("POST", "/v1/ocr");
        mock.setContentType("application/json");
        mock.setContent(body);
        return mock;
    }

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
            // while this body is held, another of 800 bytes does not fit, declared or chunked
            for (HttpServletRequest second : List.of(declared(body), chunked(body, "application/json"))) {
                MockHttpServletResponse r = new MockHttpServletResponse();
                filter.doFilter(second, r, notServed);
                refused.add(r);
            }
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
        // a chunked body counts twice while it is read: 700 bytes fit in 1500, 800 would not
        filter.doFilter(chunked(new byte[700], "application/json"), new MockHttpServletResponse(),
                (req, res) -> served.incrementAndGet());
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
    void aChunkedBodyOverTheLimitIs413AndNeverReachesTheEndpoint() throws Exception {
        InternVLApiFilter filter = new InternVLApiFilter(SMALL);
        AtomicInteger reached = new AtomicInteger();
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(chunked(new byte[5000], "application/json"), response, (req, res) -> reached.incrementAndGet());
        assertThat(reached).hasValue(0);
        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(response.getContentAsString()).contains("\"code\":\"request_too_large\"");

        response = new MockHttpServletResponse();
        filter.doFilter(chunked(new Fixture.Multipart().file("image", "a", "image/png", new byte[3000]).build(),
                Fixture.Multipart.CONTENT_TYPE), response, (req, res) -> reached.incrementAndGet());
        assertThat(response.getStatus()).isEqualTo(413);
        assertThat(reached).hasValue(0);
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

    // --- multipart parsing ----------------------------------------------------------------------------------------

    @Test
    void multipartPartsAndFieldsAreParsedFromTheBufferedBody() throws Exception {
        String boundary = "b0undary";
        String body = "preamble to ignore\r\n--b0undary\r\n"
                + "Content-Disposition: form-data; name=\"phrase\"\r\n\r\nthe red car\r\n"
                + "--b0undary  \r\n"
                + "Content-Disposition: form-data; name=\"phrase\"\r\n\r\nz\u00fcrich tram\r\n"
                + "--b0undary\r\n"
                + "Content-Disposition: form-data; name=\"image\"; filename=\"caf\u00e9.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n\u0001\u0002\r\n\u0003\r\n"
                + "--b0undary--\r\nepilogue";
        MockHttpServletRequest mock = new MockHttpServletRequest("POST", "/v1/grounding");
        mock.setContentType("multipart/form-data; boundary=\"" + boundary + "\"");
        mock.setQueryString("all=true");
        mock.setContent(body.getBytes(StandardCharsets.UTF_8));
        List<Part> parts = new ArrayList<>();
        AtomicReference<String[]> phrases = new AtomicReference<>();
        AtomicReference<String> all = new AtomicReference<>();
        new InternVLApiFilter(ApiSettings.defaults()).doFilter(mock, new MockHttpServletResponse(), (req, res) -> {
            try {
                parts.addAll(((HttpServletRequest) req).getParts());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            phrases.set(req.getParameterValues("phrase"));
            all.set(req.getParameter("all"));
        });
        assertThat(parts).extracting(Part::getName).containsExactly("phrase", "phrase", "image");
        Part image = parts.get(2);
        assertThat(image.getSubmittedFileName()).isEqualTo("caf\u00e9.png");
        assertThat(image.getContentType()).isEqualTo("image/png");
        assertThat(image.getInputStream().readAllBytes()).isEqualTo("\u0001\u0002\r\n\u0003".getBytes());
        assertThat(phrases.get()).containsExactly("the red car", "z\u00fcrich tram");
        assertThat(all.get()).isEqualTo("true");
    }
}
