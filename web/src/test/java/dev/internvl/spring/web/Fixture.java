package dev.internvl.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.internvl.GenerationOptions;
import dev.internvl.InternVL;
import dev.internvl.grounding.VisionTaskOptions;
import dev.internvl.spring.ai.InternVLChatModel;
import dev.internvl.spring.ai.InternVLChatOptions;
import dev.internvl.testing.TinyModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockMultipartHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import tools.jackson.databind.json.JsonMapper;

/**
 * One tiny random-weight checkpoint and engine for all endpoint tests of this JVM, the controllers on it mounted in
 * MockMvc as an application mounts them, and helpers for request bodies.
 */
final class Fixture {

    static final String MODEL = "tiny-internvl";

    /** Generated tokens per chat answer by default (the random weights never stop earlier). */
    static final int MAX_TOKENS = 8;

    private static InternVL engine;
    private static InternVLChatModel chatModel;
    private static VisionService vision;

    private Fixture() {
    }

    static synchronized InternVL engine() {
        if (engine == null) {
            try {
                Path dir = Files.createTempDirectory("internvl-web-test").resolve(MODEL);
                engine = InternVL.load(TinyModel.write(dir));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return engine;
    }

    static synchronized InternVLChatModel chatModel() {
        if (chatModel == null) {
            chatModel = InternVLChatModel.builder(engine())
                    .defaultOptions(InternVLChatOptions.builder().maxTokens(MAX_TOKENS).build()).build();
        }
        return chatModel;
    }

    /** The real grounding and OCR path on the tiny engine, with short answers. */
    static synchronized VisionService vision() {
        if (vision == null) {
            vision = VisionService.of(engine(), VisionTaskOptions.defaults()
                    .withGeneration(GenerationOptions.builder().maxNewTokens(MAX_TOKENS).build()));
        }
        return vision;
    }

    static MockMvc mvc(ApiSettings settings) {
        return mvc(settings, vision());
    }

    static MockMvc mvc(ApiSettings settings, VisionService vision) {
        return mvc(settings, new ChatCompletionsController(chatModel(), settings),
                new GroundingController(vision, MODEL, settings), new OcrController(vision, MODEL, settings));
    }

    /**
     * {@code controllers} as an application mounts them: behind the filter, the API key interceptor and the error
     * advice; a streamed answer is awaited, so that its result holds the whole stream.
     */
    static MockMvc mvc(ApiSettings settings, Object... controllers) {
        return MockMvcBuilders.standaloneSetup(controllers)
                .setControllerAdvice(new ApiErrorAdvice())
                .addMappedInterceptors(ApiPaths.PATTERNS.toArray(String[]::new),
                        new ApiKeyInterceptor(settings, JsonMapper.shared()))
                .addFilter(new InternVLApiFilter(settings), "/v1/*")
                .alwaysDo(r -> {
                    if (r.getRequest().isAsyncStarted()) {
                        r.getAsyncResult(120_000);
                    }
                })
                .build();
    }

    static byte[] png(int w, int h, int seed) {
        return TinyModel.png(w, h, seed);
    }

    static String dataUrl(byte[] png) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
    }

    static JsonObject json(MvcResult r) {
        return JsonParser.parseString(text(r)).getAsJsonObject();
    }

    static String text(MvcResult r) {
        return new String(r.getResponse().getContentAsByteArray(), StandardCharsets.UTF_8);
    }

    /** Asserts an OpenAI-style error with {@code status} and a message containing {@code fragment}. */
    static JsonObject assertError(MvcResult r, int status, String fragment) {
        assertThat(r.getResponse().getStatus()).as(text(r)).isEqualTo(status);
        assertThat(r.getResponse().getContentType()).startsWith("application/json");
        JsonObject error = json(r).getAsJsonObject("error");
        assertThat(error.get("message").getAsString()).contains(fragment);
        assertThat(error.get("type").getAsString()).isEqualTo(status >= 500 ? "server_error" : "invalid_request_error");
        return error;
    }

    /**
     * A multipart/form-data body: as bytes for a real container ({@link #build()}), or as MockMvc's multipart
     * request, parts already parsed ({@link #request(String)}).
     */
    static final class Multipart {
        static final String BOUNDARY = "----internvl-test-boundary-7MA4YWxkTrZu0gW";
        static final String CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY;

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final java.util.List<Object[]> parts = new java.util.ArrayList<>();

        Multipart field(String name, String value) {
            parts.add(new Object[] {name, value});
            write("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value
                    + "\r\n");
            return this;
        }

        Multipart file(String name, String filename, String type, byte[] content) {
            parts.add(new Object[] {name, new MockMultipartFile(name, filename, type, content)});
            write("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
                    + filename + "\"\r\nContent-Type: " + type + "\r\n\r\n");
            out.writeBytes(content);
            write("\r\n");
            return this;
        }

        MockMultipartHttpServletRequestBuilder request(String path) {
            MockMultipartHttpServletRequestBuilder r = MockMvcRequestBuilders.multipart(path);
            for (Object[] p : parts) {
                if (p[1] instanceof MockMultipartFile f) {
                    r.file(f);
                } else {
                    r.param((String) p[0], (String) p[1]);
                }
            }
            return r;
        }

        byte[] build() {
            write("--" + BOUNDARY + "--\r\n");
            return out.toByteArray();
        }

        private void write(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }
    }
}
