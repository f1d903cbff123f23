package dev.internvl.spring.ai.tools;

import dev.internvl.image.ImageDecodeException;
import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decoded images held in memory under generated ids, so that tools pass images by reference ({@code img-…}) instead
 * of pasting pixels into the conversation. Bounded by the number of images and by their decoded size (3 bytes per
 * pixel); when a new image does not fit, the least recently used ones are evicted ({@link #get} and
 * {@link #resolve} count as a use).
 *
 * <p>A tool's {@code image} argument is {@linkplain #resolve resolved} here: an id, or a {@code data:} URI
 * ({@code data:image/png;base64,…}, at most {@link #maxDataUriLength()} characters) that is decoded and stored under
 * a new id. Nothing is ever fetched: {@code http:}, {@code file:} and other references are refused.
 *
 * <p>Thread-safe.
 */
public final class ImageStore {

    /** Default maximum number of images held. */
    public static final int DEFAULT_MAX_IMAGES = 64;

    /** Default maximum of decoded bytes held (3 bytes per pixel): 256 MiB. */
    public static final long DEFAULT_MAX_BYTES = 256L << 20;

    /** Default maximum length of a {@code data:} URI, in characters: 16 MiB. */
    public static final long DEFAULT_MAX_DATA_URI_LENGTH = 16L << 20;

    /** The prefix of every id. */
    public static final String ID_PREFIX = "img-";

    /** The URI of a stored image as a resource, before its id: {@code internvl://images/img-...}. */
    public static final String RESOURCE_PREFIX = "internvl://images/";

    private static final int EVICTED_IDS_REMEMBERED = 4096;

    private final int maxImages;
    private final long maxBytes;
    private final long maxDataUriLength;
    private final SecureRandom random = new SecureRandom();
    private final LinkedHashMap<String, RgbImage> images = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<String, Boolean> evicted = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > EVICTED_IDS_REMEMBERED;
        }
    };
    private long bytes;

    /** A store with the default limits. */
    public ImageStore() {
        this(DEFAULT_MAX_IMAGES, DEFAULT_MAX_BYTES, DEFAULT_MAX_DATA_URI_LENGTH);
    }

    /**
     * A store holding at most {@code maxImages} images of at most {@code maxBytes} decoded bytes together, accepting
     * {@code data:} URIs of at most {@code maxDataUriLength} characters.
     */
    public ImageStore(int maxImages, long maxBytes, long maxDataUriLength) {
        if (maxImages < 1) {
            throw new IllegalArgumentException("maxImages must be at least 1, got " + maxImages);
        }
        if (maxBytes < 3) {
            throw new IllegalArgumentException("maxBytes must hold at least one pixel (3 bytes), got " + maxBytes);
        }
        if (maxDataUriLength < 1) {
            throw new IllegalArgumentException("maxDataUriLength must be positive, got " + maxDataUriLength);
        }
        this.maxImages = maxImages;
        this.maxBytes = maxBytes;
        this.maxDataUriLength = maxDataUriLength;
    }

    /**
     * Stores {@code image} under a new id, evicting the least recently used images as needed.
     *
     * @throws ImageReferenceException if the image alone is larger than {@link #maxBytes()}
     */
    public StoredImage put(RgbImage image) {
        Objects.requireNonNull(image, "image");
        long size = image.rgb().length;
        if (size > maxBytes) {
            throw new ImageReferenceException("an image of " + image.width() + "x" + image.height() + " pixels needs "
                    + size + " bytes, more than the image store holds (" + maxBytes + " bytes)");
        }
        synchronized (this) {
            String id = newId();
            images.put(id, image);
            bytes += size;
            Iterator<Map.Entry<String, RgbImage>> eldest = images.entrySet().iterator();
            while ((images.size() > maxImages || bytes > maxBytes) && eldest.hasNext()) {
                Map.Entry<String, RgbImage> e = eldest.next();
                if (e.getKey().equals(id)) {
                    break;
                }
                bytes -= e.getValue().rgb().length;
                evicted.put(e.getKey(), Boolean.TRUE);
                eldest.remove();
            }
            return new StoredImage(id, image);
        }
    }

    /**
     * Decodes an encoded image (JPEG, PNG, GIF, BMP or WebP) and stores it; {@code name} names it in errors.
     *
     * @throws ImageReferenceException if it does not decode or does not fit in the store
     */
    public StoredImage put(byte[] encoded, String name) {
        Objects.requireNonNull(encoded, "encoded");
        String source = name == null || name.isBlank() ? "image bytes" : name;
        try {
            return put(ImageDecoder.decode(encoded, source, Math.max(1, maxBytes / 3)));
        } catch (ImageDecodeException e) {
            throw new ImageReferenceException(e.getMessage(), e);
        }
    }

    /** The image stored under {@code id}, counted as a use; empty if there is none (never stored, or evicted). */
    public synchronized Optional<StoredImage> get(String id) {
        if (id == null) {
            return Optional.empty();
        }
        RgbImage image = images.get(id);
        return image == null ? Optional.empty() : Optional.of(new StoredImage(id, image));
    }

    /**
     * The image a tool argument refers to: an id of this store (also as its resource URI,
     * {@value #RESOURCE_PREFIX}{@code <id>}), or a {@code data:} URI, which is decoded and stored under a new id
     * (returned with the image).
     *
     * @throws ImageReferenceException naming the problem: missing argument, unknown or evicted id, a reference that
     *                                 is neither, a malformed or oversized data URI, or data that does not decode
     */
    public StoredImage resolve(String reference) {
        if (reference == null || reference.isBlank()) {
            throw new ImageReferenceException("no image given: pass an image id from the image store (" + ID_PREFIX
                    + "...) or a data: URI (data:image/png;base64,...)");
        }
        String ref = reference.strip();
        if (ref.regionMatches(true, 0, "data:", 0, 5)) {
            return putDataUri(ref);
        }
        if (ref.startsWith(RESOURCE_PREFIX)) {
            ref = ref.substring(RESOURCE_PREFIX.length());
        }
        synchronized (this) {
            RgbImage image = images.get(ref);
            if (image != null) {
                return new StoredImage(ref, image);
            }
            if (evicted.containsKey(ref)) {
                throw new ImageReferenceException("image '" + ref + "' is no longer in the image store: it was "
                        + "evicted to make room (the store keeps the " + maxImages + " most recently used images, "
                        + "at most " + maxBytes + " bytes); ask for the image again or use a more recent id");
            }
        }
        if (ref.startsWith(ID_PREFIX)) {
            throw new ImageReferenceException("unknown image id '" + abbreviate(ref) + "': no image was stored under "
                    + "it; use an id exactly as a tool or the application returned it");
        }
        throw new ImageReferenceException("'" + abbreviate(ref) + "' is not an image reference: pass an image id "
                + "from the image store (" + ID_PREFIX + "...) or a data: URI (data:image/png;base64,...); URLs and "
                + "file names are not read");
    }

    /**
     * Decodes a base64 {@code data:} URI of an image and stores it.
     *
     * @throws ImageReferenceException if the URI is longer than {@link #maxDataUriLength()}, malformed, not base64,
     *                                 not of an {@code image/*} type, or its data does not decode
     */
    public StoredImage putDataUri(String uri) {
        Objects.requireNonNull(uri, "uri");
        if (uri.length() > maxDataUriLength) {
            throw new ImageReferenceException("the data: URI is " + uri.length() + " characters long, more than the "
                    + maxDataUriLength + " accepted; store large images through the application and pass their id");
        }
        if (!uri.regionMatches(true, 0, "data:", 0, 5)) {
            throw new ImageReferenceException("not a data: URI: '" + abbreviate(uri) + "'");
        }
        int comma = uri.indexOf(',');
        if (comma < 0) {
            throw new ImageReferenceException("malformed data: URI (no comma before the data): '"
                    + abbreviate(uri) + "'");
        }
        String header = uri.substring(5, comma).strip().toLowerCase(Locale.ROOT);
        if (!header.endsWith(";base64")) {
            throw new ImageReferenceException("the data: URI is not base64-encoded; use data:image/png;base64,...");
        }
        String mediaType = header.substring(0, header.length() - ";base64".length());
        int parameters = mediaType.indexOf(';');
        String type = (parameters < 0 ? mediaType : mediaType.substring(0, parameters)).strip();
        if (!type.isEmpty() && !type.startsWith("image/")) {
            throw new ImageReferenceException("the data: URI holds '" + type + "', not an image (image/png, "
                    + "image/jpeg, image/gif, image/bmp or image/webp)");
        }
        byte[] data;
        try {
            data = Base64.getDecoder().decode(stripWhitespace(uri.substring(comma + 1)));
        } catch (IllegalArgumentException e) {
            throw new ImageReferenceException("the data: URI's base64 is invalid: " + e.getMessage(), e);
        }
        if (data.length == 0) {
            throw new ImageReferenceException("the data: URI holds no data");
        }
        return put(data, "data: URI (" + (type.isEmpty() ? "no type" : type) + ", " + data.length + " bytes)");
    }

    /** Removes the image stored under {@code id}; true if there was one. */
    public synchronized boolean remove(String id) {
        RgbImage image = images.remove(id);
        if (image == null) {
            return false;
        }
        bytes -= image.rgb().length;
        return true;
    }

    /** Removes every image. */
    public synchronized void clear() {
        images.clear();
        evicted.clear();
        bytes = 0;
    }

    /** The number of images held. */
    public synchronized int size() {
        return images.size();
    }

    /** The decoded bytes held (3 per pixel). */
    public synchronized long bytes() {
        return bytes;
    }

    /** The ids held, least recently used first. */
    public synchronized List<String> ids() {
        return List.copyOf(images.keySet());
    }

    public int maxImages() {
        return maxImages;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public long maxDataUriLength() {
        return maxDataUriLength;
    }

    private String newId() {
        byte[] b = new byte[6];
        String id;
        do {
            random.nextBytes(b);
            id = ID_PREFIX + HexFormat.of().formatHex(b);
        } while (images.containsKey(id) || evicted.containsKey(id));
        return id;
    }

    private static String stripWhitespace(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                out.append(c);
            }
        }
        return out.toString();
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    @Override
    public String toString() {
        return "ImageStore[" + size() + " images, " + bytes() + " bytes; limits " + maxImages + " images, " + maxBytes
                + " bytes]";
    }
}
