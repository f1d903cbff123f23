package dev.internvl.spring.web;

import dev.internvl.InvalidRequestException;
import dev.internvl.image.ImageDecodeException;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.ImageTooLargeException;
import dev.internvl.video.VideoDecodeException;
import dev.internvl.image.RgbImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.springframework.util.InvalidMimeTypeException;
import org.springframework.util.MimeType;

/**
 * Where request images come from: {@code data:} URLs, bare base64, uploaded bytes, and http(s) URLs of the hosts
 * {@link ApiSettings#allowedImageHosts()} lists (fetched with a time limit and a size cap, redirects followed only
 * to allowed hosts). Nothing else is read: no {@code file:} URLs, no other schemes. Videos come only from
 * {@code data:} URLs ({@link #fromVideoUrl}).
 */
final class ImageInputs {

    /** Redirects followed at most, each to an allowed host. */
    static final int MAX_REDIRECTS = 3;

    /** An image (or a video) as it arrived, before decoding. */
    record EncodedImage(byte[] bytes, MimeType type, String name) {
    }

    private final ApiSettings settings;
    private volatile HttpClient client;

    ImageInputs(ApiSettings settings) {
        this.settings = settings;
    }

    /** An {@code image_url}: a {@code data:} URL, or an http(s) URL of an allowed host. */
    EncodedImage fromUrl(String url, String param) {
        if (url == null || url.isBlank()) {
            throw ApiException.badRequest(param, "'" + param + "' is empty; send a data: URL with the image");
        }
        String lower = url.strip().toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) {
            return fromDataUrl(url.strip(), param);
        }
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            return fetch(url.strip(), param);
        }
        throw ApiException.badRequest(param, "invalid_image_url", "'" + param + "' must be a data: URL "
                + "(data:image/png;base64,...)" + (settings.allowedImageHosts().isEmpty() ? ""
                : " or an http(s) URL of an allowed host") + ", got '" + abbreviate(url) + "'");
    }

    /** An image field of the grounding and OCR endpoints: a {@code data:} URL, an http(s) URL, or bare base64. */
    EncodedImage fromField(String value, String param) {
        String lower = value.strip().toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:") || lower.startsWith("http://") || lower.startsWith("https://")) {
            return fromUrl(value, param);
        }
        return new EncodedImage(base64(value, param), new MimeType("image", "*"), param);
    }

    EncodedImage fromDataUrl(String url, String param) {
        return fromDataUrl(url, param, Kind.IMAGE);
    }

    /**
     * A {@code video_url}: a {@code data:} URL of a {@code video/*} type (or none); this server fetches no video
     * URLs.
     */
    EncodedImage fromVideoUrl(String url, String param) {
        if (url == null || url.isBlank()) {
            throw ApiException.badRequest(param, "'" + param + "' is empty; send a data: URL with the video");
        }
        if (!url.strip().toLowerCase(Locale.ROOT).startsWith("data:")) {
            throw ApiException.badRequest(param, "invalid_video_url", "'" + param + "' must be a data: URL "
                    + "(data:video/mp4;base64,...): this server does not fetch video URLs, got '" + abbreviate(url)
                    + "'");
        }
        return fromDataUrl(url.strip(), param, Kind.VIDEO);
    }

    /** What a data: URL holds: its codes and the media types it may name. */
    private enum Kind {
        IMAGE("image", "invalid_image_url", InvalidRequestException.INVALID_IMAGE, "data:image/png;base64,<data>",
                "only images are read (image/jpeg, image/png, image/gif, image/bmp, image/webp)"),
        VIDEO("video", "invalid_video_url", VideoDecodeException.INVALID_VIDEO, "data:video/mp4;base64,<data>",
                "only videos are read here (video/mp4, video/webm, ...)");

        final String type;
        final String urlCode;
        final String dataCode;
        final String example;
        final String accepted;

        Kind(String type, String urlCode, String dataCode, String example, String accepted) {
            this.type = type;
            this.urlCode = urlCode;
            this.dataCode = dataCode;
            this.example = example;
            this.accepted = accepted;
        }
    }

    private static EncodedImage fromDataUrl(String url, String param, Kind kind) {
        int comma = url.indexOf(',');
        if (comma < 0) {
            throw ApiException.badRequest(param, kind.urlCode, "'" + param
                    + "' is a data: URL without a comma; use " + kind.example);
        }
        String header = url.substring(5, comma).strip();
        String[] fields = header.split(";");
        boolean base64 = fields.length > 1 && fields[fields.length - 1].strip().equalsIgnoreCase("base64");
        if (!base64) {
            throw ApiException.badRequest(param, kind.urlCode, "'" + param
                    + "' is a data: URL that is not base64-encoded; use " + kind.example);
        }
        String mediaType = fields[0].strip().toLowerCase(Locale.ROOT);
        MimeType type;
        if (mediaType.isEmpty() || mediaType.equals("application/octet-stream")) {
            type = new MimeType(kind.type, "*");
        } else if (mediaType.startsWith(kind.type + "/") && mediaType.length() > kind.type.length() + 1) {
            try {
                type = new MimeType(kind.type, mediaType.substring(kind.type.length() + 1));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(param, kind.urlCode, "'" + param + "' has a malformed media type '"
                        + mediaType + "'");
            }
        } else {
            throw ApiException.badRequest(param, kind.urlCode, "'" + param + "' has media type '"
                    + mediaType + "'; " + kind.accepted);
        }
        return new EncodedImage(base64(url.substring(comma + 1), param, kind.dataCode), type, param);
    }

    private static byte[] base64(String data, String param) {
        return base64(data, param, InvalidRequestException.INVALID_IMAGE);
    }

    private static byte[] base64(String data, String param, String code) {
        StringBuilder clean = new StringBuilder(data.length());
        for (int i = 0; i < data.length(); i++) {
            char c = data.charAt(i);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                clean.append(c);
            }
        }
        try {
            String s = clean.toString();
            return (s.indexOf('-') >= 0 || s.indexOf('_') >= 0 ? Base64.getUrlDecoder() : Base64.getDecoder())
                    .decode(s);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(param, code, "'" + param + "' is not valid base64: "
                    + e.getMessage());
        }
    }

    /**
     * Checks that the data is an image of an allowed size from its header, before anything decodes its pixels, with
     * the decoder's own rules (a GIF's logical screen is what it would allocate). Damage further in is left to the
     * decoder to report.
     */
    ImageDecoder.Header checkImage(EncodedImage image, String param) {
        try {
            return ImageDecoder.readHeader(image.bytes(), param, settings.maxImagePixels());
        } catch (ImageTooLargeException e) {
            throw tooManyPixels(param, e.width(), e.height());
        } catch (ImageDecodeException e) {
            throw invalidImage(e, param);
        }
    }

    /**
     * Decodes {@code image}, refusing images of more pixels than allowed before their pixels are decoded;
     * {@code beforeDecoding} sees the header in between and may refuse the request there.
     */
    RgbImage decode(EncodedImage image, String param, Consumer<ImageDecoder.Header> beforeDecoding) {
        beforeDecoding.accept(checkImage(image, param));
        try {
            return ImageDecoder.decode(image.bytes(), param, settings.maxImagePixels());
        } catch (ImageDecodeException e) {
            throw invalidImage(e, param);
        }
    }

    /**
     * The 400 for data that does not decode; but a decoder that ran out of heap (an image reader wraps the
     * {@link OutOfMemoryError}) is not the image's fault: that stays as it is, for {@link ApiErrors} to answer 503.
     */
    private static RuntimeException invalidImage(ImageDecodeException e, String param) {
        if (ApiErrors.find(e, OutOfMemoryError.class) != null) {
            return e;
        }
        return ApiException.badRequest(param, InvalidRequestException.INVALID_IMAGE, e.getMessage());
    }

    private ApiException tooManyPixels(String param, int w, int h) {
        return ApiException.badRequest(param, "image_too_large", "'" + param + "' is " + w + "x" + h + " pixels, "
                + "more than the " + settings.maxImagePixels() + " pixels this server accepts");
    }

    private EncodedImage fetch(String url, String param) {
        if (settings.allowedImageHosts().isEmpty()) {
            throw ApiException.badRequest(param, "invalid_image_url", "'" + param + "': this server does not fetch "
                    + "image URLs; send the image as a data: URL (data:image/png;base64,...)");
        }
        URI uri = parse(url, param);
        long deadline = System.nanoTime() + settings.imageFetchTimeout().toNanos();
        for (int hop = 0; ; hop++) {
            checkHost(uri, param);
            HttpResponse<byte[]> response = send(uri, param, deadline);
            int status = response.statusCode();
            if (status >= 300 && status < 400 && response.headers().firstValue("Location").isPresent()) {
                if (hop == MAX_REDIRECTS) {
                    throw fetchFailed(param, url, "more than " + MAX_REDIRECTS + " redirects");
                }
                uri = parse(uri.resolve(response.headers().firstValue("Location").get()).toString(), param);
                continue;
            }
            if (status != 200) {
                throw fetchFailed(param, url, "HTTP status " + status);
            }
            String type = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
            return new EncodedImage(response.body(), imageType(type), param);
        }
    }

    /** The remote server's image type; a missing, non-image or malformed one is left to the decoder to sniff. */
    private static MimeType imageType(String contentType) {
        if (contentType.startsWith("image/") && !contentType.contains(",")) {
            try {
                return MimeType.valueOf(contentType.split(";")[0].strip());
            } catch (InvalidMimeTypeException e) {
                // e.g. "image/x y": the bytes decide
            }
        }
        return new MimeType("image", "*");
    }

    private static URI parse(String url, String param) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw ApiException.badRequest(param, "invalid_image_url", "'" + param + "' must be an http(s) URL "
                        + "with a host, got '" + abbreviate(url) + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw ApiException.badRequest(param, "invalid_image_url", "'" + param + "' is not a valid URL: "
                    + e.getMessage());
        }
    }

    private void checkHost(URI uri, String param) {
        if (!settings.allowsImageHost(uri.getHost())) {
            throw ApiException.badRequest(param, "invalid_image_url", "'" + param + "': images from host '"
                    + uri.getHost() + "' are not fetched by this server; send the image as a data: URL");
        }
    }

    private HttpResponse<byte[]> send(URI uri, String param, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw fetchFailed(param, uri.toString(), "timed out");
        }
        HttpRequest request = HttpRequest.newBuilder(uri).GET()
                .timeout(java.time.Duration.ofNanos(left))
                .header("Accept", "image/*")
                .build();
        CompletableFuture<HttpResponse<byte[]>> future = client().sendAsync(request,
                info -> new CappedBody(settings.maxImageFetchBytes(),
                        info.headers().firstValueAsLong("Content-Length").orElse(-1)));
        try {
            return future.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw fetchFailed(param, uri.toString(), "timed out after " + settings.imageFetchTimeout().toMillis()
                    + " ms");
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw fetchFailed(param, uri.toString(), "interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TooLarge) {
                throw ApiException.badRequest(param, "image_too_large", "'" + param + "': the image at '"
                        + abbreviate(uri.toString()) + "' is larger than " + settings.maxImageFetchBytes()
                        + " bytes, the limit of this server");
            }
            throw fetchFailed(param, uri.toString(), cause instanceof java.net.http.HttpTimeoutException
                    ? "timed out" : cause.getClass().getSimpleName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
        }
    }

    private HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    client = HttpClient.newBuilder()
                            .connectTimeout(settings.imageFetchTimeout())
                            .followRedirects(HttpClient.Redirect.NEVER)
                            .build();
                }
                c = client;
            }
        }
        return c;
    }

    private static ApiException fetchFailed(String param, String url, String why) {
        return ApiException.badRequest(param, "image_fetch_failed", "'" + param + "': could not fetch '"
                + abbreviate(url) + "': " + why);
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** The body's bytes, failing with {@link TooLarge} as soon as they pass the cap. */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final long cap;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private Flow.Subscription subscription;

        CappedBody(long cap, long declaredLength) {
            this.cap = cap;
            if (declaredLength > cap) {
                result.completeExceptionally(new TooLarge());
            }
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (result.isDone()) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                if (out.size() + (long) b.remaining() > cap) {
                    result.completeExceptionally(new TooLarge());
                    subscription.cancel();
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                out.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }
    }

    /** The remote image passed the size cap. */
    private static final class TooLarge extends IOException {
        TooLarge() {
            super("too large", null);
        }
    }
}
