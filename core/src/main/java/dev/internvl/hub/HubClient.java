package dev.internvl.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.internvl.hub.HubException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandler;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub's HTTP protocol as {@code huggingface_hub} speaks it: the model info API, the metadata of a file from a
 * {@code HEAD} of its resolve address (without following redirects to other hosts), and its content from a
 * {@code GET} of the address that {@code HEAD} gave, from an offset ({@code Range}) when a download is resumed.
 * Transient failures (connection errors, 429, 5xx) are retried with exponential backoff; the token goes to the
 * endpoint's host only, never to the storage a large file is redirected to. Errors become {@link HubException}s that
 * say what to do.
 */
final class HubClient {

    private static final Logger log = LoggerFactory.getLogger(HubClient.class);

    static final String USER_AGENT = "internvl-java/0.1.0; java/" + Runtime.version().feature();
    private static final int MAX_REDIRECTS = 10;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** Which redirects a request follows. */
    private enum Redirects {
        /** Relative ones only (a renamed repository), as {@code huggingface_hub}'s metadata request. */
        RELATIVE,
        /** All of them. */
        ALL
    }

    private final HubSettings settings;
    private final HttpClient http;
    private final URI endpoint;

    HubClient(HubSettings settings) {
        this.settings = settings;
        this.endpoint = URI.create(settings.endpoint() + "/");
        this.http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** {@code GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true}: the commit and the files. */
    RepoInfo modelInfo(RepoId repo, String revision) {
        URI uri = URI.create(settings.endpoint() + "/api/models/" + repo.value() + "/revision/"
                + encode(revision, false) + "?blobs=true");
        String what = repo + " (revision " + revision + ")";
        HttpResponse<byte[]> r = send("GET", uri, null, BodyHandlers.ofByteArray(), Redirects.ALL, what);
        if (r.statusCode() != 200) {
            throw failure(r, repo, revision, null);
        }
        try {
            JsonObject o = JsonParser.parseString(new String(r.body(), StandardCharsets.UTF_8)).getAsJsonObject();
            String sha = string(o, "sha");
            if (sha == null || !HubCache.COMMIT.matcher(sha).matches()) {
                throw new HubException(Reason.PROTOCOL, what + ": the hub's model info at " + uri
                        + " has no commit id ('sha'); is " + settings.endpoint() + " a Hugging Face hub?");
            }
            List<RepoInfo.RepoFile> files = new ArrayList<>();
            JsonElement siblings = o.get("siblings");
            if (siblings != null && siblings.isJsonArray()) {
                for (JsonElement e : siblings.getAsJsonArray()) {
                    JsonObject f = e.getAsJsonObject();
                    String name = string(f, "rfilename");
                    if (name == null) {
                        continue;
                    }
                    long size = f.has("size") && f.get("size").isJsonPrimitive() ? f.get("size").getAsLong() : -1;
                    String lfsSha = null;
                    if (f.has("lfs") && f.get("lfs").isJsonObject()) {
                        JsonObject lfs = f.getAsJsonObject("lfs");
                        lfsSha = string(lfs, "sha256");
                        if (size < 0 && lfs.has("size")) {
                            size = lfs.get("size").getAsLong();
                        }
                    }
                    files.add(new RepoInfo.RepoFile(name, size, lfsSha));
                }
            }
            return new RepoInfo(sha, files);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException
                 | NumberFormatException e) {
            throw new HubException(Reason.PROTOCOL, what + ": the hub's model info at " + uri
                    + " is not the expected JSON (" + e.getMessage() + ")", e);
        }
    }

    /** {@code HEAD {endpoint}/{repo}/resolve/{revision}/{file}}, following relative redirects only. */
    FileMetadata fileMetadata(RepoId repo, String revision, String file) {
        URI uri = resolveUri(repo, revision, file);
        String what = repo + "@" + revision + ": " + file;
        HttpResponse<Void> r = send("HEAD", uri, null, BodyHandlers.discarding(), Redirects.RELATIVE, what);
        int status = r.statusCode();
        if (status >= 400 || (status >= 300 && r.headers().firstValue("Location").isEmpty())) {
            throw failure(r, repo, revision, file);
        }
        String commit = r.headers().firstValue("X-Repo-Commit").orElse(null);
        String etag = FileMetadata.normalizeEtag(r.headers().firstValue("X-Linked-Etag")
                .orElse(r.headers().firstValue("ETag").orElse(null)));
        String size = r.headers().firstValue("X-Linked-Size")
                .orElse(r.headers().firstValue("Content-Length").orElse(null));
        if (commit == null) {
            throw new HubException(Reason.PROTOCOL, what + ": the hub's answer has no X-Repo-Commit header; is "
                    + settings.endpoint() + " a Hugging Face hub (or does a proxy strip its headers)?");
        }
        if (etag == null || etag.isEmpty()) {
            throw new HubException(Reason.PROTOCOL, what + ": the hub's answer has no ETag, so the download could "
                    + "not be checked");
        }
        long length;
        try {
            length = Long.parseLong(Objects.requireNonNull(size).strip());
        } catch (NullPointerException | NumberFormatException e) {
            throw new HubException(Reason.PROTOCOL, what + ": the hub's answer gives no size (X-Linked-Size or "
                    + "Content-Length)");
        }
        URI location = r.headers().firstValue("Location").map(l -> r.uri().resolve(l)).orElse(r.uri());
        return new FileMetadata(commit, etag, length, location);
    }

    /**
     * {@code GET location} from byte {@code from} on ({@code Range: bytes=from-} when positive), following
     * redirects. The caller reads and closes the body; a status other than 200 or 206 has already become an error,
     * except 416 (the range starts at or past the end), which the caller handles.
     */
    HttpResponse<InputStream> openContent(URI location, long from, RepoId repo, String revision, String file) {
        String what = repo + "@" + revision + ": " + file;
        String range = from > 0 ? "bytes=" + from + "-" : null;
        HttpResponse<InputStream> r = send("GET", location, range, BodyHandlers.ofInputStream(), Redirects.ALL,
                what);
        int status = r.statusCode();
        if (status != 200 && status != 206 && status != 416) {
            closeQuietly(r.body());
            throw failure(r, repo, revision, file);
        }
        return r;
    }

    /** The resolve address of a file: {@code {endpoint}/{repo}/resolve/{revision}/{file}}. */
    URI resolveUri(RepoId repo, String revision, String file) {
        return URI.create(settings.endpoint() + "/" + repo.value() + "/resolve/" + encode(revision, false) + "/"
                + encode(file, true));
    }

    /** Waits before retry {@code attempt} (0-based): the first delay, doubled each time, at most 8 times it. */
    void backoff(int attempt) {
        long base = settings.retryDelay().toMillis();
        long wait = Math.min(base << Math.min(attempt, 3), base * 8);
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException(Reason.NETWORK, "download interrupted");
        }
    }

    int maxRetries() {
        return settings.maxRetries();
    }

    /** A failure reading a download's body: worth a retry (a dropped connection, a reset, a timeout). */
    static boolean isTransient(IOException e) {
        return !(e instanceof UnknownHostException);
    }

    /** What a network failure means, as one line. */
    HubException networkFailure(String what, IOException e) {
        String cause = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        if (e instanceof UnknownHostException) {
            return new HubException(Reason.NETWORK, what + ": cannot resolve the host of " + settings.endpoint()
                    + " (no network?): " + cause + "; set HF_HUB_OFFLINE=1 to use the cache only", e);
        }
        if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException) {
            return new HubException(Reason.NETWORK, what + ": cannot connect to " + settings.endpoint()
                    + " (no network, or a proxy or firewall in the way): " + cause
                    + "; set HF_HUB_OFFLINE=1 to use the cache only", e);
        }
        return new HubException(Reason.NETWORK, what + ": the connection to the hub failed: " + cause, e);
    }

    private <T> HttpResponse<T> send(String method, URI uri, String range, BodyHandler<T> body, Redirects redirects,
                                     String what) {
        URI current = uri;
        int attempt = 0;
        int followed = 0;
        while (true) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current).timeout(REQUEST_TIMEOUT)
                    .header("User-Agent", USER_AGENT)
                    .method(method, HttpRequest.BodyPublishers.noBody());
            if (method.equals("HEAD")) {
                b.header("Accept-Encoding", "identity"); // the real size, as huggingface_hub asks
            }
            if (range != null) {
                b.header("Range", range);
            }
            if (settings.token() != null && sameHost(current, endpoint)) {
                b.header("Authorization", "Bearer " + settings.token());
            }
            HttpResponse<T> r;
            try {
                r = http.send(b.build(), body);
            } catch (IOException e) {
                if (!isTransient(e) || attempt >= settings.maxRetries()) {
                    throw networkFailure(what, e);
                }
                log.debug("{}: {} {} failed ({}), retrying", what, method, current, e.toString());
                backoff(attempt++);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HubException(Reason.NETWORK, what + ": interrupted");
            }
            int status = r.statusCode();
            if ((status == 429 || status >= 500) && attempt < settings.maxRetries()) {
                discard(r);
                log.debug("{}: {} {} answered {}, retrying", what, method, current, status);
                backoff(attempt++);
                continue;
            }
            if (status >= 300 && status < 400 && status != 304) {
                String location = r.headers().firstValue("Location").orElse(null);
                if (location != null) {
                    URI next = current.resolve(location);
                    boolean relative = URI.create(location).getHost() == null;
                    if (redirects == Redirects.ALL || relative) {
                        if (++followed > MAX_REDIRECTS) {
                            discard(r);
                            throw new HubException(Reason.PROTOCOL, what + ": more than " + MAX_REDIRECTS
                                    + " redirects from " + uri);
                        }
                        discard(r);
                        current = next;
                        continue;
                    }
                }
            }
            return r;
        }
    }

    /** The error that an unsuccessful answer stands for, as one line saying what to do. */
    HubException failure(HttpResponse<?> r, RepoId repo, String revision, String file) {
        int status = r.statusCode();
        String code = r.headers().firstValue("X-Error-Code").orElse("");
        String serverMessage = r.headers().firstValue("X-Error-Message").map(m -> " (hub: " + m + ")").orElse("");
        String page = settings.endpoint() + "/" + repo.value();
        String subject = file == null ? repo + " (revision " + revision + ")" : repo + "@" + revision + ": " + file;
        if (code.equals("RevisionNotFound")) {
            return new HubException(Reason.NOT_FOUND, repo + ": no revision '" + revision + "' on "
                    + settings.endpoint() + " (HTTP " + status + "); give a branch, tag or commit id that exists, "
                    + "see " + page + "/tree/main" + serverMessage);
        }
        if (code.equals("EntryNotFound")) {
            return new HubException(Reason.NOT_FOUND, subject + ": no such file in the repository (HTTP "
                    + status + ")" + serverMessage);
        }
        if (code.equals("GatedRepo") || status == 403) {
            return new HubException(Reason.ACCESS_DENIED, subject + ": access denied (HTTP " + status + "): the "
                    + "model is gated or private; accept its licence on " + page + " while logged in, then set "
                    + "HF_TOKEN (or spring.ai.internvl.model.token) to an access token of that account"
                    + (settings.token() == null ? " (no token was sent)" : " (the token sent has no access)")
                    + serverMessage);
        }
        if (status == 401) {
            return new HubException(Reason.ACCESS_DENIED, subject + ": not found or not accessible (HTTP 401): "
                    + (settings.token() == null ? "no token was sent; if the model is gated or private, accept its "
                    + "licence on " + page + " and set HF_TOKEN (or spring.ai.internvl.model.token) to an "
                    + "access token" : "the token sent (HF_TOKEN or spring.ai.internvl.model.token) was refused "
                    + "or has no access; check it and the model id") + serverMessage);
        }
        if (code.equals("RepoNotFound") || status == 404) {
            return new HubException(Reason.NOT_FOUND, repo + ": no such model on " + settings.endpoint()
                    + " (HTTP " + status + (file != null ? ", for " + file : "") + "); check the id (org/name, "
                    + "e.g. OpenGVLab/InternVL2-1B)" + serverMessage);
        }
        if (status == 429 || status >= 500) {
            return new HubException(Reason.NETWORK, subject + ": the hub keeps failing (HTTP " + status + " after "
                    + settings.maxRetries() + " retries); try again later" + serverMessage);
        }
        return new HubException(Reason.PROTOCOL, subject + ": unexpected answer HTTP " + status + " from "
                + r.uri() + serverMessage);
    }

    /** RFC 3986 percent-encoding of a path segment (or of a path, keeping its {@code /}). */
    static String encode(String s, boolean keepSlash) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || (keepSlash && c == '/');
            if (unreserved) {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }

    private static boolean sameHost(URI a, URI b) {
        return Objects.equals(lower(a.getScheme()), lower(b.getScheme())) && Objects.equals(lower(a.getHost()),
                lower(b.getHost())) && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) {
            return u.getPort();
        }
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static String string(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    private static void discard(HttpResponse<?> r) {
        if (r.body() instanceof InputStream in) {
            closeQuietly(in);
        }
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
