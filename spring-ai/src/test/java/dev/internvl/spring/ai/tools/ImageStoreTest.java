package dev.internvl.spring.ai.tools;

import dev.internvl.InvalidRequestException;
import dev.internvl.testing.TinyModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.internvl.image.ImageDecoder;
import dev.internvl.image.RgbImage;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Ids, limits, LRU eviction, data: URIs and the errors a model reads. */
class ImageStoreTest {

    static RgbImage image(int w, int h, int fill) {
        byte[] rgb = new byte[w * h * 3];
        java.util.Arrays.fill(rgb, (byte) fill);
        return new RgbImage(w, h, rgb);
    }

    static String pngDataUri(int w, int h, int seed) {
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(TinyModel.png(w, h, seed));
    }

    @Test
    void storesUnderFreshIdsAndGivesTheSamePixelsBack() {
        ImageStore store = new ImageStore();
        RgbImage a = image(4, 3, 7);
        StoredImage stored = store.put(a);
        assertThat(stored.id()).matches("img-[0-9a-f]{12}");
        assertThat(stored.width()).isEqualTo(4);
        assertThat(stored.height()).isEqualTo(3);
        assertThat(store.get(stored.id())).get().extracting(StoredImage::image).isSameAs(a);
        assertThat(store.resolve(stored.id()).image()).isSameAs(a);
        assertThat(store.resolve("  " + stored.id() + "\n").image()).isSameAs(a); // stripped
        assertThat(store.size()).isEqualTo(1);
        assertThat(store.bytes()).isEqualTo(36);

        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            ids.add(store.put(image(1, 1, i)).id());
        }
        assertThat(ids).hasSize(50).doesNotContain(stored.id());
    }

    @Test
    void decodesEncodedImages() {
        ImageStore store = new ImageStore();
        byte[] png = TinyModel.png(40, 30, 1);
        StoredImage stored = store.put(png, "photo.png");
        assertThat(stored.image()).isEqualTo(ImageDecoder.decode(png, "x"));
        assertThatThrownBy(() -> store.put(new byte[] {1, 2, 3}, "notes.txt"))
                .isInstanceOf(ImageReferenceException.class)
                .hasMessageStartingWith("notes.txt: unsupported or unrecognized image format");
    }

    @Test
    void evictsTheLeastRecentlyUsedImageWhenTheCountIsReached() {
        ImageStore store = new ImageStore(3, 1 << 20, 1 << 20);
        String a = store.put(image(2, 2, 1)).id();
        String b = store.put(image(2, 2, 2)).id();
        String c = store.put(image(2, 2, 3)).id();
        assertThat(store.get(a)).isPresent();          // a is now the most recently used
        assertThat(store.resolve(b).id()).isEqualTo(b); // then b
        String d = store.put(image(2, 2, 4)).id();     // c goes
        assertThat(store.ids()).containsExactly(a, b, d);
        assertThat(store.get(c)).isEmpty();
        assertThat(store.bytes()).isEqualTo(3 * 12);
        assertThatThrownBy(() -> store.resolve(c)).isInstanceOf(ImageReferenceException.class)
                .hasMessageContaining("image '" + c + "' is no longer in the image store: it was evicted")
                .hasMessageContaining("3 most recently used images");
    }

    @Test
    void evictsUntilTheBytesFit() {
        ImageStore store = new ImageStore(100, 300, 1 << 20);
        String a = store.put(image(10, 4, 1)).id(); // 120 bytes
        String b = store.put(image(10, 4, 2)).id(); // 240
        String c = store.put(image(5, 4, 3)).id();  // 300: fits exactly
        assertThat(store.ids()).containsExactly(a, b, c);
        String d = store.put(image(10, 5, 4)).id(); // 150 more: a and b go (300 - 240 + 150 = 210)
        assertThat(store.ids()).containsExactly(c, d);
        assertThat(store.bytes()).isEqualTo(60 + 150);
        String e = store.put(image(10, 10, 5)).id(); // 300: everything else goes
        assertThat(store.ids()).containsExactly(e);
        assertThat(store.bytes()).isEqualTo(300);
    }

    @Test
    void refusesAnImageLargerThanTheWholeStore() {
        ImageStore store = new ImageStore(10, 299, 1 << 20);
        String kept = store.put(image(2, 2, 0)).id();
        assertThatThrownBy(() -> store.put(image(10, 10, 0))).isInstanceOf(ImageReferenceException.class)
                .hasMessage("an image of 10x10 pixels needs 300 bytes, more than the image store holds (299 bytes)");
        assertThat(store.ids()).containsExactly(kept); // nothing evicted for it
        // an encoded image too large is refused before its pixels are decoded (the pixel limit is maxBytes / 3)
        assertThatThrownBy(() -> store.put(TinyModel.png(20, 20, 0), "big.png"))
                .isInstanceOf(ImageReferenceException.class).hasMessageStartingWith("big.png: ")
                .isInstanceOf(InvalidRequestException.class)
                .extracting(e -> ((InvalidRequestException) e).code()).isEqualTo("image_too_large");
    }

    @Test
    void acceptsBase64DataUrisAndStoresThem() {
        ImageStore store = new ImageStore();
        String uri = pngDataUri(32, 24, 2);
        StoredImage stored = store.resolve(uri);
        assertThat(stored.id()).startsWith("img-");
        assertThat(stored.image()).isEqualTo(ImageDecoder.decode(TinyModel.png(32, 24, 2), "x"));
        assertThat(store.get(stored.id())).isPresent();
        // upper-case scheme, parameters, line breaks in the base64, no media type
        String b64 = Base64.getMimeEncoder().encodeToString(TinyModel.png(32, 24, 2));
        assertThat(store.resolve("DATA:image/png;name=a.png;base64," + b64).image()).isEqualTo(stored.image());
        assertThat(store.resolve("data:;base64," + b64).image()).isEqualTo(stored.image());
        assertThat(store.size()).isEqualTo(3);
    }

    @Test
    void refusesBadDataUrisWithMessagesSayingWhy() {
        ImageStore store = new ImageStore(10, 1 << 20, 200);
        assertThatThrownBy(() -> store.resolve(pngDataUri(64, 64, 0))).isInstanceOf(ImageReferenceException.class)
                .hasMessageMatching("the data: URI is \\d+ characters long, more than the 200 accepted; .*");
        assertThatThrownBy(() -> store.resolve("data:image/png;base64")).hasMessageStartingWith(
                "malformed data: URI (no comma before the data)");
        assertThatThrownBy(() -> store.resolve("data:image/png,%89PNG")).hasMessage(
                "the data: URI is not base64-encoded; use data:image/png;base64,...");
        assertThatThrownBy(() -> store.resolve("data:text/plain;base64,aGVsbG8=")).hasMessageStartingWith(
                "the data: URI holds 'text/plain', not an image");
        assertThatThrownBy(() -> store.resolve("data:image/png;base64,@@@@")).hasMessageStartingWith(
                "the data: URI's base64 is invalid: ");
        assertThatThrownBy(() -> store.resolve("data:image/png;base64,")).hasMessage("the data: URI holds no data");
        assertThatThrownBy(() -> store.resolve("data:image/png;base64,aGVsbG8=")).isInstanceOf(
                ImageReferenceException.class).hasMessageStartingWith(
                "data: URI (image/png, 5 bytes): unsupported or unrecognized image format")
                .extracting(e -> ((InvalidRequestException) e).code()).isEqualTo("invalid_image");
        assertThat(store.size()).isZero();
    }

    @Test
    void refusesUnknownIdsAndOtherReferences() {
        ImageStore store = new ImageStore();
        assertThatThrownBy(() -> store.resolve(null)).isInstanceOf(ImageReferenceException.class)
                .hasMessageStartingWith("no image given: pass an image id from the image store (img-...) or a data:");
        assertThatThrownBy(() -> store.resolve(" ")).hasMessageStartingWith("no image given");
        assertThatThrownBy(() -> store.resolve("img-000000000000")).hasMessage("unknown image id "
                + "'img-000000000000': no image was stored under it; use an id exactly as a tool or the application "
                + "returned it");
        for (String other : List.of("https://example.org/cat.jpg", "file:/etc/passwd", "cat.jpg")) {
            assertThatThrownBy(() -> store.resolve(other)).hasMessageStartingWith("'" + other + "' is not an image "
                    + "reference").hasMessageEndingWith("URLs and file names are not read");
        }
        assertThatThrownBy(() -> store.resolve("x".repeat(500))).hasMessageContaining("'" + "x".repeat(57) + "...'");
    }

    @Test
    void removeAndClear() {
        ImageStore store = new ImageStore();
        String a = store.put(image(2, 2, 0)).id();
        String b = store.put(image(3, 2, 0)).id();
        assertThat(store.remove(a)).isTrue();
        assertThat(store.remove(a)).isFalse();
        assertThat(store.bytes()).isEqualTo(18);
        assertThatThrownBy(() -> store.resolve(a)).hasMessageStartingWith("unknown image id");
        store.clear();
        assertThat(store.size()).isZero();
        assertThat(store.bytes()).isZero();
        assertThat(store.get(b)).isEmpty();
    }

    @Test
    void rejectsInvalidLimits() {
        assertThatThrownBy(() -> new ImageStore(0, 100, 100)).hasMessageContaining("maxImages");
        assertThatThrownBy(() -> new ImageStore(1, 2, 100)).hasMessageContaining("maxBytes");
        assertThatThrownBy(() -> new ImageStore(1, 100, 0)).hasMessageContaining("maxDataUriLength");
    }

    @Test
    void staysWithinItsLimitsUnderConcurrentUse() throws Exception {
        ImageStore store = new ImageStore(20, 20 * 48, 1 << 20);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        String id = store.put(image(4, 4, seed)).id();
                        store.get(id);
                        assertThat(store.size()).isLessThanOrEqualTo(20);
                        assertThat(store.bytes()).isLessThanOrEqualTo(20 * 48);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.size()).isEqualTo(20);
        assertThat(store.bytes()).isEqualTo(20 * 48);
    }
}
