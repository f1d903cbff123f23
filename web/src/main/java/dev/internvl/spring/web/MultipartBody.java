package dev.internvl.spring.web;

import jakarta.servlet.http.Part;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.ContentDisposition;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;

/**
 * A {@code multipart/form-data} body (RFC 7578) read from bytes already in memory, so that the size limit of
 * {@link InternVLApiFilter} holds for uploads whatever the servlet container's multipart settings are. Strict about
 * the structure (boundary lines, CRLF, a named {@code form-data} disposition per part), lenient about the rest
 * (preamble, epilogue, transport padding).
 */
final class MultipartBody {

    /** Most parts one request may have. */
    static final int MAX_PARTS = 100;

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEADER_END = {'\r', '\n', '\r', '\n'};

    private MultipartBody() {
    }

    static boolean isMultipart(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("multipart/");
    }

    /** The parts of {@code body}; a 400 {@link ApiException} when it is not well-formed multipart form data. */
    static List<Part> parse(byte[] body, String contentType) {
        byte[] delimiter = ("--" + boundary(contentType)).getBytes(StandardCharsets.ISO_8859_1);
        int pos = indexOf(body, delimiter, 0);
        if (pos < 0 || (pos > 0 && !endsWithCrlf(body, pos))) {
            throw malformed("the body does not start with the boundary line");
        }
        pos += delimiter.length;
        List<Part> parts = new ArrayList<>();
        while (true) {
            if (startsWith(body, pos, new byte[] {'-', '-'})) {
                return parts; // the closing delimiter; anything after it is the epilogue
            }
            while (pos < body.length && (body[pos] == ' ' || body[pos] == '\t')) {
                pos++;
            }
            if (!startsWith(body, pos, CRLF)) {
                throw malformed("a boundary line is not followed by CRLF");
            }
            pos += 2;
            if (parts.size() == MAX_PARTS) {
                throw malformed("more than " + MAX_PARTS + " parts");
            }
            int headersEnd = startsWith(body, pos, CRLF) ? pos - 2 : indexOf(body, HEADER_END, pos);
            if (headersEnd < 0) {
                throw malformed("a part's headers never end");
            }
            Map<String, List<String>> headers = headers(body, pos, headersEnd);
            int contentStart = headersEnd + 4;
            int end = indexOf(body, concat(CRLF, delimiter), contentStart);
            if (end < 0) {
                throw malformed("the body ends before the closing boundary (truncated upload?)");
            }
            parts.add(part(headers, Arrays.copyOfRange(body, contentStart, end)));
            pos = end + 2 + delimiter.length;
        }
    }

    private static String boundary(String contentType) {
        MediaType type;
        try {
            type = MediaType.parseMediaType(contentType);
        } catch (InvalidMediaTypeException e) {
            throw malformed("invalid Content-Type: " + e.getMessage());
        }
        if (!"form-data".equalsIgnoreCase(type.getSubtype())) {
            throw new ApiException(415, ApiException.INVALID_REQUEST, null, "unsupported_media_type",
                    "Content-Type '" + contentType + "' is not supported here; send multipart/form-data or JSON");
        }
        String boundary = type.getParameter("boundary");
        if (boundary != null && boundary.length() >= 2 && boundary.startsWith("\"") && boundary.endsWith("\"")) {
            boundary = boundary.substring(1, boundary.length() - 1);
        }
        if (boundary == null || boundary.isEmpty() || boundary.length() > 200) {
            throw malformed("the Content-Type has no boundary parameter");
        }
        return boundary;
    }

    private static Map<String, List<String>> headers(byte[] body, int from, int to) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        if (to <= from) {
            return headers;
        }
        String block = new String(body, from, to - from, StandardCharsets.UTF_8);
        for (String line : block.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw malformed("a part has a header line without a name: '" + abbreviate(line) + "'");
            }
            headers.computeIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).strip());
        }
        return headers;
    }

    private static Part part(Map<String, List<String>> headers, byte[] content) {
        List<String> dispositions = headers.get("content-disposition");
        if (dispositions == null || dispositions.isEmpty()) {
            throw malformed("a part has no Content-Disposition header");
        }
        ContentDisposition disposition;
        try {
            disposition = ContentDisposition.parse(dispositions.get(0));
        } catch (IllegalArgumentException e) {
            throw malformed("a part has an invalid Content-Disposition: " + e.getMessage());
        }
        if (!disposition.isFormData() || disposition.getName() == null || disposition.getName().isEmpty()) {
            throw malformed("a part's Content-Disposition is not form-data with a name");
        }
        return new BufferedPart(disposition.getName(), disposition.getFilename(), headers, content);
    }

    private static ApiException malformed(String why) {
        return ApiException.badRequest(null, "Malformed multipart/form-data body: " + why);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static boolean endsWithCrlf(byte[] body, int pos) {
        return pos >= 2 && body[pos - 2] == '\r' && body[pos - 1] == '\n';
    }

    private static boolean startsWith(byte[] body, int pos, byte[] prefix) {
        if (pos < 0 || pos + prefix.length > body.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (body[pos + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(byte[] haystack, byte[] needle, int from) {
        byte first = needle[0];
        int last = haystack.length - needle.length;
        for (int i = Math.max(from, 0); i <= last; i++) {
            if (haystack[i] != first) {
                continue;
            }
            int j = 1;
            while (j < needle.length && haystack[i + j] == needle[j]) {
                j++;
            }
            if (j == needle.length) {
                return i;
            }
        }
        return -1;
    }

    /** One part, held in memory. */
    static final class BufferedPart implements Part {
        private final String name;
        private final String filename;
        private final Map<String, List<String>> headers;
        private final byte[] content;

        BufferedPart(String name, String filename, Map<String, List<String>> headers, byte[] content) {
            this.name = name;
            this.filename = filename;
            this.headers = headers;
            this.content = content;
        }

        byte[] bytes() {
            return content;
        }

        @Override
        public InputStream getInputStream() {
            return new ByteArrayInputStream(content);
        }

        @Override
        public String getContentType() {
            return getHeader("content-type");
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getSubmittedFileName() {
            return filename;
        }

        @Override
        public long getSize() {
            return content.length;
        }

        @Override
        public void write(String fileName) throws IOException {
            Files.write(Path.of(fileName), content);
        }

        @Override
        public void delete() {
            // nothing on disk
        }

        @Override
        public String getHeader(String header) {
            List<String> values = headers.get(header.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        @Override
        public Collection<String> getHeaders(String header) {
            List<String> values = headers.get(header.toLowerCase(Locale.ROOT));
            return values == null ? List.of() : List.copyOf(values);
        }

        @Override
        public Collection<String> getHeaderNames() {
            return List.copyOf(headers.keySet());
        }
    }
}
