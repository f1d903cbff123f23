package dev.internvl.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The error table of docs/http-api.md and the code agree: every {@code code} the endpoints can answer with (the
 * literals the sources pass as codes, the codes of the engine's {@code InvalidRequestException}, the generic ones
 * every code-less error gets) is in the table, and every code in the table is one of them.
 */
class ErrorTableTest {

    static final Path DOC = Path.of("../docs/http-api.md");

    /** The codes of the table's last column. */
    static Set<String> documented() throws IOException {
        List<String> lines = Files.readAllLines(DOC);
        int start = lines.indexOf("| status | when | `code` |");
        assertThat(start).as("the error table's header in " + DOC).isNotNegative();
        Set<String> codes = new TreeSet<>();
        Pattern code = Pattern.compile("`([a-z]+(?:_[a-z]+)*)`");
        for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String row = lines.get(i);
            String last = row.substring(row.lastIndexOf('|', row.length() - 2) + 1);
            Matcher m = code.matcher(last);
            while (m.find()) {
                codes.add(m.group(1));
            }
        }
        return codes;
    }

    /** The codes the sources give errors: literals in the code position of the calls that make API errors. */
    static Set<String> produced() throws IOException {
        Set<String> codes = new TreeSet<>();
        List<Pattern> shapes = List.of(
                Pattern.compile("badRequest\\(\\s*[^,()]+,\\s*\"([a-z_]+)\""),
                Pattern.compile("new ApiException\\(\\s*\\d+,\\s*[\\w.]+,\\s*[^,()]+,\\s*\"([a-z_]+)\""),
                Pattern.compile("static final String (?!INVALID_REQUEST |SERVER_ERROR )\\w+ = \"([a-z_]+)\""));
        try (Stream<Path> files = Stream.concat(Files.walk(Path.of("src/main/java")),
                Stream.of(Path.of("../core/src/main/java/dev/internvl/InvalidRequestException.java"),
                        Path.of("../core/src/main/java/dev/internvl/video/VideoDecodeException.java")))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String source = Files.readString(f);
                if (!f.endsWith("ApiException.java") && !f.endsWith("InvalidRequestException.java")
                        && !f.endsWith("VideoDecodeException.java")) {
                    source = source.replaceAll("static final String \\w+ = \"[^\"]*\";", "");
                }
                for (Pattern p : shapes) {
                    Matcher m = p.matcher(source);
                    while (m.find()) {
                        codes.add(m.group(1));
                    }
                }
            }
        }
        return codes;
    }

    @Test
    void everyCodeTheEndpointsGiveIsInTheTableAndNoOther() throws IOException {
        Set<String> produced = produced();
        // the walk finds the codes of every kind of source: a literal, a factory, the engine's, the generic ones
        assertThat(produced).contains("invalid_image_url", "server_busy", "context_length_exceeded",
                "internal_error", "invalid_value", "invalid_request", "cors_rejected", "timeout");
        assertThat(documented()).isEqualTo(produced);
    }

    @Test
    void anErrorWithoutACodeOfItsOwnStillHasOne() {
        assertThat(ApiException.badRequest("temperature", "out of range").code()).isEqualTo("invalid_value");
        assertThat(ApiException.badRequest(null, "not JSON").code()).isEqualTo("invalid_request");
        assertThat(new ApiException(500, ApiException.SERVER_ERROR, null, null, "failed").code())
                .isEqualTo("internal_error");
    }
}
