package dev.internvl.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Parity with the official InternVL preprocessing ({@code golden/preprocess/real_*.json}). */
class ImagePreprocessorTest {

    private static final double STAT_TOLERANCE = 1e-6;

    static Stream<Arguments> realCases() {
        List<Arguments> cases = new ArrayList<>();
        for (String file : new String[] {"real_max6_thumb.json", "real_max12_thumb.json", "real_nothumb.json"}) {
            for (JsonElement c : Golden.json("preprocess/" + file).getAsJsonArray("cases")) {
                JsonObject o = c.getAsJsonObject();
                cases.add(Arguments.of(file + ": " + o.get("image").getAsString(), o));
            }
        }
        return cases.stream();
    }

    /**
     * From the exact RGB Pillow decoded (for the JPEG, the lossless copy of libjpeg-turbo's output), the grid,
     * the resized image, every tile and every checked float match the official code.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("realCases")
    void matchesOfficialPreprocessingFromPillowsDecodedPixels(String name, JsonObject c) {
        RgbImage image = pillowDecoded(c.get("image").getAsString());
        assertEquals(c.get("sha256_decoded_rgb_uint8").getAsString(), Golden.sha256(image.rgb()));
        assertMatches(c, image);
    }

    /** The same, decoding the original files with {@link ImageDecoder}: the JPEG decodes byte-exactly too. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("realCases")
    void matchesOfficialPreprocessingFromTheOriginalFiles(String name, JsonObject c) {
        RgbImage image = ImageDecoder.decode(Golden.bytes("images/" + c.get("image").getAsString()), name);
        assertEquals(c.get("sha256_decoded_rgb_uint8").getAsString(), Golden.sha256(image.rgb()));
        assertMatches(c, image);
    }

    @Test
    void javaJpegDecodeEqualsPillowsLibjpegTurboOutput() {
        RgbImage java = ImageDecoder.decode(Golden.bytes("images/portrait_grace_hopper_512x600.jpg"), "grace");
        RgbImage pillow = pillowDecoded("portrait_grace_hopper_512x600.jpg");
        int maxDiff = 0;
        for (int i = 0; i < java.rgb().length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((java.rgb()[i] & 0xFF) - (pillow.rgb()[i] & 0xFF)));
        }
        assertEquals(0, maxDiff, "largest per-sample difference to Pillow's decode");
    }

    @Test
    void singleTileImageGetsNoThumbnailAndNormalizedLayoutIsChw() {
        byte[] rgb = new byte[448 * 448 * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) 255;
            rgb[i + 2] = (byte) 128;
        }
        PreprocessedImage out = new ImagePreprocessor(PreprocessOptions.DEFAULT).preprocess(new RgbImage(448, 448, rgb));
        assertEquals(1, out.numTiles());
        assertArrayEquals(new long[] {1, 3, 448, 448}, out.shape());
        int plane = 448 * 448;
        assertEquals((1f - 0.485f) / 0.229f, out.pixelValues()[0]);
        assertEquals((0f - 0.456f) / 0.224f, out.pixelValues()[plane + 1234]);
        assertEquals((128f / 255f - 0.406f) / 0.225f, out.pixelValues()[2 * plane + plane - 1]);
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new PreprocessOptions(448, 0, 12, true));
        assertThrows(IllegalArgumentException.class, () -> new PreprocessOptions(448, 5, 4, true));
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> new PreprocessOptions(448, 1, 41, true));
        assertEquals("tile counts must satisfy 1 <= minTiles <= maxTiles <= 40, got minTiles=1, maxTiles=41",
                tooMany.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PreprocessOptions(0, 1, 12, true));
        assertEquals(new PreprocessOptions(448, 1, 12, true), PreprocessOptions.DEFAULT);
        assertEquals(new PreprocessOptions(448, 1, 6, true), PreprocessOptions.DEFAULT.withMaxTiles(6));
    }

    private static RgbImage pillowDecoded(String image) {
        String path = image.endsWith(".jpg") ? "images/decoded_rgb/" + image.replace(".jpg", ".rgb.png")
                : "images/" + image;
        return ImageDecoder.decode(Golden.bytes(path), path);
    }

    private static void assertMatches(JsonObject c, RgbImage image) {
        String label = c.get("image").getAsString() + " max " + c.get("max_num").getAsInt();
        assertEquals(c.get("width").getAsInt(), image.width());
        assertEquals(c.get("height").getAsInt(), image.height());
        int size = c.get("image_size").getAsInt();
        PreprocessOptions options = new PreprocessOptions(size, c.get("min_num").getAsInt(),
                c.get("max_num").getAsInt(), c.get("use_thumbnail").getAsBoolean());
        PreprocessedImage out = new ImagePreprocessor(options).preprocess(image);

        JsonArray grid = c.getAsJsonArray("grid");
        assertEquals(new TileGrid(grid.get(0).getAsInt(), grid.get(1).getAsInt()), out.grid(), label);
        assertEquals(c.get("num_tiles").getAsInt(), out.numTiles(), label);
        JsonArray resized = c.getAsJsonArray("resized_size");
        assertEquals(c.get("sha256_resized_rgb_uint8").getAsString(), Golden.sha256(
                PillowResize.resize(image, resized.get(0).getAsInt(), resized.get(1).getAsInt()).rgb()), label);

        int plane = size * size;
        for (JsonElement e : c.getAsJsonArray("tiles")) {
            JsonObject tile = e.getAsJsonObject();
            int t = tile.get("index").getAsInt();
            String tileLabel = label + " tile " + t + " (" + tile.get("kind").getAsString() + ")";
            RgbImage raw = out.tiles().get(t);
            assertEquals(tile.get("sha256_rgb_uint8").getAsString(), Golden.sha256(raw.rgb()), tileLabel);
            int base = t * 3 * plane;
            for (int ch = 0; ch < 3; ch++) {
                double sum = 0;
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < plane; i++) {
                    float v = out.pixelValues()[base + ch * plane + i];
                    sum += v;
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                double mean = sum / plane;
                double squares = 0;
                for (int i = 0; i < plane; i++) {
                    double d = out.pixelValues()[base + ch * plane + i] - mean;
                    squares += d * d;
                }
                assertEquals(tile.getAsJsonArray("mean").get(ch).getAsDouble(), mean, STAT_TOLERANCE, tileLabel);
                assertEquals(tile.getAsJsonArray("std").get(ch).getAsDouble(), Math.sqrt(squares / plane),
                        STAT_TOLERANCE, tileLabel);
                assertEquals(tile.getAsJsonArray("min").get(ch).getAsFloat(), min, tileLabel);
                assertEquals(tile.getAsJsonArray("max").get(ch).getAsFloat(), max, tileLabel);
            }
            for (JsonElement s : tile.getAsJsonArray("samples")) {
                JsonObject sample = s.getAsJsonObject();
                int y = sample.get("y").getAsInt();
                int x = sample.get("x").getAsInt();
                for (int ch = 0; ch < 3; ch++) {
                    assertEquals(sample.getAsJsonArray("rgb").get(ch).getAsInt(),
                            raw.rgb()[(y * size + x) * 3 + ch] & 0xFF, tileLabel);
                    // Bit-exact float32, as torch computes it.
                    assertEquals(sample.getAsJsonArray("normalized").get(ch).getAsFloat(),
                            out.pixelValues()[base + ch * plane + y * size + x], 0f, tileLabel);
                }
            }
        }
    }
}
