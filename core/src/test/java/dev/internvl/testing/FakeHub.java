package dev.internvl.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Hugging Face hub on the loopback interface for tests, speaking the protocol as {@code huggingface_hub} documents
 * and uses it: the model info API ({@code GET /api/models/{repo}/revision/{rev}}, with sizes and LFS details), and
 * {@code HEAD}/{@code GET /{repo}/resolve/{rev}/{file}}, which answers small files itself ({@code ETag} = Git blob
 * sha1, {@code X-Repo-Commit}) and redirects LFS files to a second server, the "CDN"
 * ({@code X-Linked-Etag} = sha256, {@code X-Linked-Size}), which serves {@code Range} requests. Errors carry
 * {@code X-Error-Code} as the hub's do (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo). Faults can be
 * injected: a connection dropped mid-file, corrupted bytes, transient 5xx answers, a slow line. Every request is
 * recorded.
 */
public final class FakeHub implements AutoCloseable {

    /** Files kept in Git LFS by this fake: weights, SentencePiece models and files of 1 MB or more. */
    static boolean lfsByDefault(String name, long size) {
        return name.endsWith(".safetensors") || name.endsWith(".bin") || name.endsWith(".model") || size >= 1_000_000;
    }

    /**
     * One request as the servers saw it.
     *
     * @param server {@code hub} or {@code cdn}
     * @param method the HTTP method
     * @param path the decoded path
     * @param range the {@code Range} header, or null
     * @param authorization the {@code Authorization} header, or null
     * @param status the status answered
     * @param bytesSent the body bytes sent
     */
    public record Request(String server, String method, String path, String range, String authorization, int status,
                          long bytesSent) {
    }

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    /** A request being answered: listed before the answer leaves, its status and bytes filled in as they go. */
    private static final class Entry {
        final String server;
        final String method;
        final String path;
        final String range;
        final String authorization;
        volatile int status;
        final AtomicLong bytes = new AtomicLong();

        Entry(String server, HttpExchange ex) {
            this.server = server;
            this.method = ex.getRequestMethod();
            this.path = URLDecoder.decode(ex.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            this.range = ex.getRequestHeaders().getFirst("Range");
            this.authorization = ex.getRequestHeaders().getFirst("Authorization");
        }

        Request view() {
            return new Request(server, method, path, range, authorization, status, bytes.get());
        }
    }

    private final HttpServer hub;
    private final HttpServer cdn;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-hub");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, Repo.Blob> blobsBySha = new ConcurrentHashMap<>();
    private final List<Entry> requests = new CopyOnWriteArrayList<>();

    private FakeHub() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        hub.createContext("/", this::handleHub);
        cdn.createContext("/", this::handleCdn);
        hub.setExecutor(executor);
        cdn.setExecutor(executor);
        hub.start();
        cdn.start();
    }

    /** Starts both servers on free loopback ports. */
    public static FakeHub start() {
        try {
            return new FakeHub();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The hub's address, for {@code HF_ENDPOINT}. */
    public String endpoint() {
        return "http://" + hub.getAddress().getHostString() + ":" + hub.getAddress().getPort();
    }

    /** The CDN's address (where LFS files are redirected). */
    public String cdnAddress() {
        return "http://" + cdn.getAddress().getHostString() + ":" + cdn.getAddress().getPort();
    }

    /** Serves every file under {@code folder} as repository {@code id}, branch {@code main}. */
    public Repo serve(String id, Path folder) {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return serve(id, files);
    }

    /** Serves {@code files} (names to contents) as repository {@code id}, branch {@code main}. */
    public Repo serve(String id, Map<String, byte[]> files) {
        Repo repo = new Repo(id, files);
        repos.put(id, repo);
        return repo;
    }

    /** Every request so far. */
    public List<Request> requests() {
        return requests.stream().map(Entry::view).toList();
    }

    /** Forgets the requests so far. */
    public void clearRequests() {
        requests.clear();
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        executor.shutdownNow();
    }

    /** A served repository and its faults. */
    public final class Repo {

        /** One file's content and the faults to inject when it is served. */
        final class Blob {
            final String name;
            final byte[] content;
            final boolean lfs;
            final String sha1;
            final String sha256;
            volatile long dropAfter = -1;
            volatile boolean corrupt;
            final AtomicInteger failures = new AtomicInteger();
            volatile int failureStatus;

            Blob(String name, byte[] content, boolean lfs) {
                this.name = name;
                this.content = content;
                this.lfs = lfs;
                this.sha1 = gitBlobSha1(content);
                this.sha256 = hex("SHA-256", content);
            }

            String etag() {
                return lfs ? sha256 : sha1;
            }
        }

        private final String id;
        private final Map<String, Blob> files = new TreeMap<>();
        private final String commit;
        private final Map<String, String> branches = new ConcurrentHashMap<>();
        private volatile String token;
        private volatile long bytesPerSecond;

        private Repo(String id, Map<String, byte[]> contents) {
            this.id = id;
            StringBuilder listing = new StringBuilder(id);
            contents.forEach((name, bytes) -> {
                Blob b = new Blob(name, bytes, lfsByDefault(name, bytes.length));
                files.put(name, b);
                listing.append('\n').append(name).append(' ').append(b.sha256);
            });
            commit = hex("SHA-1", listing.toString().getBytes(StandardCharsets.UTF_8));
            branches.put("main", commit);
            files.values().stream().filter(b -> b.lfs).forEach(b -> blobsBySha.put(b.sha256, b));
        }

        /** The commit id {@code main} points to. */
        public String commit() {
            return commit;
        }

        /** The etag the hub gives {@code file}: the sha256 of an LFS file, else its Git blob sha1. */
        public String etag(String file) {
            return blob(file).etag();
        }

        /** Whether the hub keeps {@code file} in LFS. */
        public boolean isLfs(String file) {
            return blob(file).lfs;
        }

        /** The content of {@code file}. */
        public byte[] content(String file) {
            return blob(file).content.clone();
        }

        /** Makes the repository gated: only requests with {@code Authorization: Bearer token} get through. */
        public Repo gated(String token) {
            this.token = token;
            return this;
        }

        /** Another branch (or tag) pointing at the same commit. */
        public Repo branch(String name) {
            branches.put(name, commit);
            return this;
        }

        /** The next transfer of {@code file} sends {@code bytes} of it, then drops the connection. */
        public Repo dropOnce(String file, long bytes) {
            blob(file).dropAfter = bytes;
            return this;
        }

        /** {@code file} is served with one byte changed (same length): a corrupted transfer. */
        public Repo corrupt(String file) {
            blob(file).corrupt = true;
            return this;
        }

        /** The next {@code times} transfers of {@code file} answer {@code status} (e.g. 503). */
        public Repo failNext(String file, int status, int times) {
            Blob b = blob(file);
            b.failureStatus = status;
            b.failures.set(times);
            return this;
        }

        /** Sends file contents at about {@code bytesPerSecond} (0: as fast as possible). */
        public Repo throttle(long bytesPerSecond) {
            this.bytesPerSecond = bytesPerSecond;
            return this;
        }

        private Blob blob(String file) {
            Blob b = files.get(file);
            if (b == null) {
                throw new IllegalArgumentException("no file " + file + " in " + id);
            }
            return b;
        }
    }

    /** The Git blob id of {@code content}: sha1 of {@code "blob <length>\0"} and the content. */
    public static String gitBlobSha1(byte[] content) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + content.length + "\0").getBytes(StandardCharsets.UTF_8));
            md.update(content);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(String algorithm, byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handleHub(HttpExchange ex) throws IOException {
        Entry e = begin("hub", ex);
        try {
            String path = e.path;
            if (path.startsWith("/api/models/")) {
                api(ex, e, path.substring("/api/models/".length()));
                return;
            }
            int resolve = path.indexOf("/resolve/");
            if (resolve > 0) {
                resolve(ex, e, path.substring(1, resolve), path.substring(resolve + "/resolve/".length()));
                return;
            }
            error(ex, e, 404, null, "Not found");
        } finally {
            ex.close();
        }
    }

    private void api(HttpExchange ex, Entry e, String rest) throws IOException {
        int at = rest.indexOf("/revision/");
        String id = at < 0 ? rest : rest.substring(0, at);
        String revision = at < 0 ? "main" : rest.substring(at + "/revision/".length());
        Repo repo = repos.get(id);
        if (repo == null) {
            error(ex, e, 404, "RepoNotFound", "Repository not found");
            return;
        }
        if (!authorized(ex, e, repo)) {
            return;
        }
        String commit = commitOf(repo, revision);
        if (commit == null) {
            error(ex, e, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        JsonObject o = new JsonObject();
        o.addProperty("_id", "fake" + repo.id.hashCode());
        o.addProperty("id", repo.id);
        o.addProperty("modelId", repo.id);
        o.addProperty("sha", commit);
        o.addProperty("private", false);
        o.addProperty("gated", repo.token != null ? "manual" : "false");
        JsonArray siblings = new JsonArray();
        for (Repo.Blob b : repo.files.values()) {
            JsonObject s = new JsonObject();
            s.addProperty("rfilename", b.name);
            s.addProperty("size", b.content.length);
            s.addProperty("blobId", b.lfs ? gitBlobSha1(pointerFile(b)) : b.sha1);
            if (b.lfs) {
                JsonObject lfs = new JsonObject();
                lfs.addProperty("sha256", b.sha256);
                lfs.addProperty("size", b.content.length);
                lfs.addProperty("pointerSize", pointerFile(b).length);
                s.add("lfs", lfs);
            }
            siblings.add(s);
        }
        o.add("siblings", siblings);
        byte[] body = o.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        boolean head = ex.getRequestMethod().equals("HEAD");
        e.bytes.set(head ? 0 : body.length);
        respond(ex, e, 200, head ? -1 : body.length);
        if (!head) {
            ex.getResponseBody().write(body);
        }
    }

    private void resolve(HttpExchange ex, Entry e, String id, String rest) throws IOException {
        Repo repo = repos.get(id);
        if (repo == null) {
            error(ex, e, 404, "RepoNotFound", "Repository not found");
            return;
        }
        if (!authorized(ex, e, repo)) {
            return;
        }
        int slash = rest.indexOf('/');
        String revision = slash < 0 ? rest : rest.substring(0, slash);
        String file = slash < 0 ? "" : rest.substring(slash + 1);
        String commit = commitOf(repo, revision);
        if (commit == null) {
            error(ex, e, 404, "RevisionNotFound", "Invalid rev id: " + revision);
            return;
        }
        Repo.Blob b = repo.files.get(file);
        Headers h = ex.getResponseHeaders();
        h.set("X-Repo-Commit", commit);
        if (b == null) {
            error(ex, e, 404, "EntryNotFound", file + " does not exist on \"" + revision + "\"");
            return;
        }
        if (b.lfs) {
            h.set("ETag", "\"" + gitBlobSha1(pointerFile(b)) + "\""); // the pointer file's: X-Linked-Etag wins
            h.set("X-Linked-Etag", "\"" + b.sha256 + "\"");
            h.set("X-Linked-Size", Long.toString(b.content.length));
            h.set("Location", cdnAddress() + "/repos/" + b.sha256.substring(0, 2) + "/" + b.sha256
                    + "?response-content-disposition=attachment&X-Signature=fake");
            respond(ex, e, 302, -1);
            return;
        }
        h.set("ETag", "\"" + b.sha1 + "\"");
        h.set("Accept-Ranges", "bytes");
        send(ex, e, repo, b);
    }

    private void handleCdn(HttpExchange ex) throws IOException {
        Entry e = begin("cdn", ex);
        try {
            String path = ex.getRequestURI().getPath();
            String sha = path.substring(path.lastIndexOf('/') + 1);
            Repo.Blob b = blobsBySha.get(sha);
            if (b == null) {
                error(ex, e, 404, null, "NoSuchKey");
                return;
            }
            Repo repo = repos.values().stream().filter(r -> r.files.get(b.name) == b).findFirst().orElseThrow();
            ex.getResponseHeaders().set("ETag", "\"" + b.sha256 + "\"");
            ex.getResponseHeaders().set("Accept-Ranges", "bytes");
            send(ex, e, repo, b);
        } finally {
            ex.close();
        }
    }

    /** The content of a file, or the part the {@code Range} header asks for, with the faults to inject. */
    private void send(HttpExchange ex, Entry e, Repo repo, Repo.Blob b) throws IOException {
        boolean head = ex.getRequestMethod().equals("HEAD");
        if (!head && b.failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            error(ex, e, b.failureStatus, null, "injected failure");
            return;
        }
        byte[] content = b.content;
        if (b.corrupt && content.length > 0) {
            content = content.clone();
            content[content.length / 2] ^= 0x5a;
        }
        long from = 0;
        long to = content.length - 1;
        int status = 200;
        String range = e.range;
        if (range != null) {
            Matcher m = RANGE.matcher(range.strip());
            if (m.matches()) {
                from = Long.parseLong(m.group(1));
                if (!m.group(2).isEmpty()) {
                    to = Math.min(to, Long.parseLong(m.group(2)));
                }
                if (from >= content.length) {
                    ex.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
                    error(ex, e, 416, null, "Range Not Satisfiable");
                    return;
                }
                status = 206;
                ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + content.length);
            }
        }
        long length = to - from + 1;
        if (head) {
            ex.getResponseHeaders().set("Content-Length", Long.toString(length));
            respond(ex, e, status, -1);
            return;
        }
        long drop = b.dropAfter;
        if (drop >= 0) {
            b.dropAfter = -1;
        }
        respond(ex, e, status, length);
        OutputStream out = ex.getResponseBody();
        int chunk = 16 * 1024;
        try {
            for (long pos = from; pos <= to; pos += chunk) {
                int n = (int) Math.min(chunk, to - pos + 1);
                if (drop >= 0 && e.bytes.get() + n > drop) {
                    n = (int) (drop - e.bytes.get());
                    e.bytes.addAndGet(n);
                    out.write(content, (int) pos, n);
                    out.flush();
                    throw new IllegalStateException("injected: connection dropped after " + drop + " bytes");
                }
                e.bytes.addAndGet(n); // counted before it leaves, so that it is counted when the client has it
                out.write(content, (int) pos, n);
                long rate = repo.bytesPerSecond;
                if (rate > 0) {
                    out.flush();
                    Thread.sleep(Math.max(1, n * 1000L / rate));
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean authorized(HttpExchange ex, Entry e, Repo repo) throws IOException {
        if (repo.token == null) {
            return true;
        }
        String auth = e.authorization;
        if (auth == null) {
            error(ex, e, 401, "GatedRepo", "Access to model " + repo.id + " is restricted. You must have "
                    + "access to it and be authenticated to access it. Please log in.");
            return false;
        }
        if (!auth.equals("Bearer " + repo.token)) {
            error(ex, e, 403, "GatedRepo", "Access to model " + repo.id + " is restricted and you are not in "
                    + "the authorized list.");
            return false;
        }
        return true;
    }

    private static String commitOf(Repo repo, String revision) {
        if (repo.branches.containsKey(revision)) {
            return repo.branches.get(revision);
        }
        return revision.equals(repo.commit) ? revision : null;
    }

    private static void error(HttpExchange ex, Entry e, int status, String code, String message) throws IOException {
        if (code != null) {
            ex.getResponseHeaders().set("X-Error-Code", code);
        }
        ex.getResponseHeaders().set("X-Error-Message", message);
        byte[] body = ("{\"error\":\"" + message.replace("\"", "'") + "\"}").getBytes(StandardCharsets.UTF_8);
        boolean head = ex.getRequestMethod().equals("HEAD");
        respond(ex, e, status, head ? -1 : body.length);
        if (!head) {
            ex.getResponseBody().write(body);
        }
    }

    private Entry begin(String server, HttpExchange ex) {
        Entry e = new Entry(server, ex);
        requests.add(e);
        return e;
    }

    private static void respond(HttpExchange ex, Entry e, int status, long length) throws IOException {
        e.status = status;
        ex.sendResponseHeaders(status, length);
    }

    private static byte[] pointerFile(Repo.Blob b) {
        return ("version lfs-pointer-v1\noid sha256:" + b.sha256 + "\nsize " + b.content.length + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Requests of {@code method} whose path ends with {@code suffix}. */
    public List<Request> requests(String method, String suffix) {
        List<Request> out = new ArrayList<>();
        for (Request r : requests()) {
            if (r.method().equals(method) && r.path().endsWith(suffix)) {
                out.add(r);
            }
        }
        return out;
    }
}
