package dev.internvl.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.internvl.InvalidRequestException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decoding parity with Pillow 9.4's {@code Image.open(f).convert('RGB')} on the fixtures in
 * {@code golden/images/decoder} (see the README there), plus round trips and error handling.
 */
class ImageDecoderTest {

    private static final String FIXTURES = "images/decoder/";
    private static final JsonObject MANIFEST = Golden.json(FIXTURES + "manifest.json").getAsJsonObject("fixtures");

    static Stream<Arguments> exactFixtures() {
        return MANIFEST.keySet().stream().filter(name -> !name.startsWith("webp_lossy"))
                .map(name -> Arguments.of(name, MANIFEST.getAsJsonObject(name).get("pillow_mode").getAsString()));
    }

    @ParameterizedTest(name = "{0} (Pillow mode {1})")
    @MethodSource("exactFixtures")
    void decodesExactlyLikePillow(String name, String pillowMode) {
        JsonObject expected = MANIFEST.getAsJsonObject(name);
        RgbImage image = ImageDecoder.decode(Golden.bytes(FIXTURES + name), name);
        assertEquals(expected.get("width").getAsInt(), image.width());
        assertEquals(expected.get("height").getAsInt(), image.height());
        assertEquals(expected.get("sha256_rgb").getAsString(), Golden.sha256(image.rgb()), name);
    }

    @Test
    void coversEveryFormatAndPillowMode() {
        List<String> names = List.copyOf(MANIFEST.keySet());
        for (String prefix : new String[] {"jpeg_", "png_", "gif_", "bmp_", "webp_"}) {
            assertTrue(names.stream().anyMatch(n -> n.startsWith(prefix)), prefix);
        }
        for (String mode : new String[] {"1", "L", "LA", "P", "RGB", "RGBA", "I", "CMYK"}) {
            assertTrue(MANIFEST.keySet().stream().anyMatch(
                    n -> MANIFEST.getAsJsonObject(n).get("pillow_mode").getAsString().equals(mode)), mode);
        }
    }

    /**
     * Lossy WebP is not byte-exact (TwelveMonkeys' VP8 decoder lacks libwebp's fancy chroma upsampling); the
     * bounds are the measured differences to Pillow's pixels, so a regression in either direction shows.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("lossyWebpBounds")
    void lossyWebpIsCloseToPillow(String name, int maxDiff, double meanDiff) {
        RgbImage image = ImageDecoder.decode(Golden.bytes(FIXTURES + name), name);
        RgbImage pillow = ImageDecoder.decode(Golden.bytes(FIXTURES + name.replace(".webp", ".pillow-rgb.png")),
                "reference");
        assertEquals(pillow.width(), image.width());
        assertEquals(pillow.height(), image.height());
        int max = 0;
        long sum = 0;
        for (int i = 0; i < image.rgb().length; i++) {
            int d = Math.abs((image.rgb()[i] & 0xFF) - (pillow.rgb()[i] & 0xFF));
            max = Math.max(max, d);
            sum += d;
        }
        double mean = (double) sum / image.rgb().length;
        assertTrue(max <= maxDiff, name + ": max difference " + max);
        assertTrue(mean <= meanDiff, name + ": mean difference " + mean);
    }

    static Stream<Arguments> lossyWebpBounds() {
        // Measured: photo max 44, mean 2.22; synthetic noise with hard colour edges max 87, mean 5.77 / 5.83.
        return Stream.of(Arguments.of("webp_lossy_photo.webp", 44, 2.25),
                Arguments.of("webp_lossy.webp", 87, 5.8),
                Arguments.of("webp_lossy_alpha.webp", 87, 5.85));
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "bmp"})
    void losslessImageIoRoundTripKeepsEveryPixel(String format) throws IOException {
        BufferedImage source = new BufferedImage(23, 19, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 19; y++) {
            for (int x = 0; x < 23; x++) {
                source.setRGB(x, y, (x * 11) << 16 | (y * 13) << 8 | (x * y) & 0xFF);
            }
        }
        RgbImage decoded = ImageDecoder.decode(encode(source, format), "generated." + format);
        assertEquals(ImageDecoder.fromBufferedImage(source), decoded);
        assertEquals((22 * 18) & 0xFF, decoded.rgb()[(18 * 23 + 22) * 3 + 2] & 0xFF);
    }

    @Test
    void gifRoundTripLooksUpThePalette() throws IOException {
        BufferedImage source = new BufferedImage(16, 8, BufferedImage.TYPE_BYTE_INDEXED);
        for (int x = 0; x < 16; x++) {
            source.setRGB(x, 3, x % 2 == 0 ? 0xFF0000 : 0x0000FF);
        }
        RgbImage decoded = ImageDecoder.decode(encode(source, "gif"), "generated.gif");
        assertEquals(ImageDecoder.fromBufferedImage(source), decoded);
        assertArrayEquals(new byte[] {(byte) 255, 0, 0}, Arrays.copyOfRange(decoded.rgb(), 3 * 16 * 3,
                3 * 16 * 3 + 3));
    }

    @Test
    void jpegRoundTripStaysCloseToTheSource() throws IOException {
        BufferedImage source = new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                source.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | 128);
            }
        }
        RgbImage decoded = ImageDecoder.decode(encode(source, "jpeg"), "generated.jpg");
        byte[] expected = ImageDecoder.fromBufferedImage(source).rgb();
        int max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs((expected[i] & 0xFF) - (decoded.rgb()[i] & 0xFF)));
        }
        assertTrue(max <= 12, "JPEG round trip differs by " + max);
    }

    @Test
    void sixteenBitGrayPngIsClippedLikePillowsModeI() throws IOException {
        BufferedImage source = new BufferedImage(4, 1, BufferedImage.TYPE_USHORT_GRAY);
        int[] values = {0, 200, 255, 40000};
        source.getRaster().setSamples(0, 0, 4, 1, 0, values);
        RgbImage decoded = ImageDecoder.decode(encode(source, "png"), "gray16.png");
        assertArrayEquals(new byte[] {0, 0, 0, (byte) 200, (byte) 200, (byte) 200, (byte) 255, (byte) 255,
                (byte) 255, (byte) 255, (byte) 255, (byte) 255}, decoded.rgb());
    }

    @Test
    void fromBufferedImageUsesStoredSamplesWithoutColorManagement() {
        BufferedImage argb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, 0x00123456); // fully transparent: colour kept, no matting
        argb.setRGB(1, 0, 0x80ABCDEF);
        assertArrayEquals(new byte[] {0x12, 0x34, 0x56, (byte) 0xAB, (byte) 0xCD, (byte) 0xEF},
                ImageDecoder.fromBufferedImage(argb).rgb());

        BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSamples(0, 0, 2, 1, 0, new int[] {7, 200});
        assertArrayEquals(new byte[] {7, 7, 7, (byte) 200, (byte) 200, (byte) 200},
                ImageDecoder.fromBufferedImage(gray).rgb());

        BufferedImage rgb565 = new BufferedImage(1, 1, BufferedImage.TYPE_USHORT_565_RGB);
        rgb565.getRaster().setPixel(0, 0, new int[] {31, 32, 1});
        // Pillow's BGR;16 unpacker widens as v * 255 / 31 and v * 255 / 63.
        assertArrayEquals(new byte[] {(byte) 255, (byte) 129, 8}, ImageDecoder.fromBufferedImage(rgb565).rgb());
    }

    @Test
    void emptyInputNamesTheSource() {
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode(new byte[0], null));
        assertEquals("image bytes: empty input (0 bytes), not an image", e.getMessage());
    }

    @Test
    void unknownFormatIsRejected() {
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode("hello, not an image".getBytes(), "notes.txt"));
        assertTrue(e.getMessage().startsWith("notes.txt: unsupported or unrecognized image format"),
                e.getMessage());
        assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(new byte[] {'B', 'M'}, "x.bmp"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"jpeg_420.jpg", "jpeg_progressive.jpg", "jpeg_arithmetic.jpg", "jpeg_cmyk_adobe.jpg",
        "png_rgb8.png", "png_rgb8_interlaced.png", "png_palette8.png", "gif_palette.gif", "bmp_rgb24.bmp",
        "bmp_rle8.bmp", "webp_lossless.webp", "webp_lossy.webp"})
    @Timeout(10)
    void truncatedDataIsRejected(String name) {
        byte[] full = Golden.bytes(FIXTURES + name);
        for (int length : new int[] {full.length / 10, full.length / 2, full.length * 9 / 10}) {
            ImageDecodeException e = assertThrows(ImageDecodeException.class,
                    () -> ImageDecoder.decode(Arrays.copyOf(full, length), name), name + " cut to " + length);
            assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"jpeg_420.jpg", "jpeg_arithmetic.jpg", "webp_lossless.webp", "webp_lossy.webp"})
    void missingLastBytesAreRejectedLikePillowDoes(String name) {
        byte[] full = Golden.bytes(FIXTURES + name);
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode(Arrays.copyOf(full, full.length - 1), name));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        // the sender's mistake, not the engine's: a server answers it with a 400 invalid_image
        assertTrue(e instanceof InvalidRequestException, e.getClass().getName());
        assertEquals(InvalidRequestException.INVALID_IMAGE, e.code());
    }

    @Test
    void corruptPngDataIsRejected() {
        byte[] png = Golden.bytes(FIXTURES + "png_rgb8.png").clone();
        for (int i = png.length / 2; i < png.length / 2 + 8; i++) {
            png[i] ^= 0x5A;
        }
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode(png, "broken.png"));
        assertTrue(e.getMessage().startsWith("broken.png: cannot decode PNG image: "), e.getMessage());
    }

    @Test
    void oversizedImageIsRefusedBeforeDecoding() {
        byte[] bomb = pngHeaderOnly(20_000, 10_000); // 2e8 pixels > 2 * 89478485, no pixel data at all
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(bomb, "bomb.png"));
        assertEquals("bomb.png: image of 200000000 pixels (20000x10000) exceeds the limit of 178956970 pixels; "
                + "refusing it as a possible decompression bomb", e.getMessage());
        assertEquals(InvalidRequestException.IMAGE_TOO_LARGE, e.code());
    }

    @Test
    void readHeaderAppliesTheDecodersSizeRulesWithoutDecoding() {
        ImageDecoder.Header jpeg = ImageDecoder.readHeader(Golden.bytes(FIXTURES + "jpeg_444.jpg"), "a.jpg", 1L << 40);
        assertEquals("JPEG", jpeg.format());
        assertEquals(ImageDecoder.decode(Golden.bytes(FIXTURES + "jpeg_444.jpg"), "a.jpg").width(), jpeg.width());
        // a GIF is as large as its logical screen, whatever its first frame
        byte[] offset = Golden.bytes(FIXTURES + "gif_offset.gif");
        RgbImage decoded = ImageDecoder.decode(offset, "o.gif");
        ImageDecoder.Header gif = ImageDecoder.readHeader(offset, "o.gif", 1L << 40);
        assertEquals(List.of(decoded.width(), decoded.height()), List.of(gif.width(), gif.height()));
        ImageTooLargeException e = assertThrows(ImageTooLargeException.class,
                () -> ImageDecoder.readHeader(offset, "o.gif", gif.pixels() - 1));
        assertEquals(gif.width(), e.width());
        // a header that reads fine is enough: damage further in is the decoder's to find
        byte[] png = Golden.bytes(FIXTURES + "png_rgb8.png");
        assertEquals(37, ImageDecoder.readHeader(Arrays.copyOf(png, 40), "cut.png", 2000).width());
        assertThrows(ImageDecodeException.class, () -> ImageDecoder.readHeader(new byte[] {1, 2, 3}, "x", 10));
    }

    @Test
    void pixelLimitIsConfigurable() {
        byte[] png = Golden.bytes(FIXTURES + "png_rgb8.png"); // 37x29 = 1073 pixels
        assertEquals(37, ImageDecoder.decode(png, "small.png", 1073).width());
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode(png, "small.png", 1072));
        assertTrue(e.getMessage().contains("exceeds the limit of 1072 pixels"), e.getMessage());
    }

    @Test
    void oversizedJpegFrameIsRefusedBeforeDecoding() {
        byte[] jpeg = Golden.bytes(FIXTURES + "jpeg_444.jpg").clone();
        // Patch the frame header (SOF0: FF C0, length, precision, height, width) to 60000x60000.
        for (int i = 2; i < jpeg.length - 8; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                jpeg[i + 5] = jpeg[i + 7] = (byte) (60000 >> 8);
                jpeg[i + 6] = jpeg[i + 8] = (byte) 60000;
                break;
            }
        }
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(jpeg, null));
        assertTrue(e.getMessage().startsWith("image bytes: image of 3600000000 pixels (60000x60000) exceeds"),
                e.getMessage());
    }

    /**
     * Compressed metadata the model never sees (zTXt, iTXt text, an iCCP profile) inflating to 256 MB inside a small
     * file: the image decodes to the same pixels, and the decoding thread allocates a bounded amount (the JDK's
     * reader alone would inflate every byte of it, about 3 GB per GB of text).
     */
    @ParameterizedTest
    @ValueSource(strings = {"zTXt", "iTXt", "iCCP"})
    void compressedMetadataBombsAreNotInflated(String chunkType) throws IOException {
        for (String name : List.of("png_rgb8.png", "png_palette8.png")) {
            byte[] png = Golden.bytes(FIXTURES + name);
            byte[] bomb = withChunkAfterHeader(png, chunkType, metadataBomb(chunkType, 256));
            assertTrue(bomb.length < 400_000, "the bomb is small: " + bomb.length);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            RgbImage decoded = ImageDecoder.decode(bomb, name);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertArrayEquals(ImageDecoder.decode(png, name).rgb(), decoded.rgb(), name);
            assertTrue(allocated < 16L << 20, chunkType + " in " + name + ": decoding allocated " + allocated + " bytes");
        }
    }

    /** The data of a {@code type} chunk whose compressed part inflates to {@code megabytes} of zeros. */
    private static byte[] metadataBomb(String type, int megabytes) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.write("Comment".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        data.write(0);
        if (type.equals("iTXt")) {
            data.write(new byte[] {1, 0, 0, 0}); // compressed, method 0, empty language tag and translated keyword
        } else {
            data.write(0); // compression method 0
        }
        java.util.zip.Deflater deflater = new java.util.zip.Deflater(9);
        try (java.util.zip.DeflaterOutputStream z = new java.util.zip.DeflaterOutputStream(data, deflater)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < megabytes; i++) {
                z.write(zeros);
            }
        }
        deflater.end();
        return data.toByteArray();
    }

    /** {@code png} with one more chunk right after IHDR (signature 8 bytes, IHDR 25). */
    private static byte[] withChunkAfterHeader(byte[] png, String type, byte[] data) {
        ByteBuffer out = ByteBuffer.allocate(png.length + data.length + 12);
        out.put(png, 0, 33);
        chunk(out, type, data);
        out.put(png, 33, png.length - 33);
        return out.array();
    }

    @Test
    void decodesFilesAndNamesThemInErrors(@TempDir Path dir) throws IOException {
        Path good = dir.resolve("rose.png");
        Files.write(good, Golden.bytes("images/tiny_rose_70x46.png"));
        assertEquals(70, ImageDecoder.decode(good).width());
        Path bad = dir.resolve("bad.jpg");
        Files.write(bad, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 1, 2});
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(bad));
        assertTrue(e.getMessage().startsWith(bad + ": cannot decode JPEG image: "), e.getMessage());
        assertThrows(UncheckedIOException.class, () -> ImageDecoder.decode(dir.resolve("missing.png")));
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out), "no ImageIO writer for " + format);
        return out.toByteArray();
    }

    /** A PNG signature, IHDR (8-bit RGB) and IEND: a header announcing a huge image with no data. */
    private static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer png = ByteBuffer.allocate(8 + 25 + 12);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(png, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        chunk(png, "IEND", new byte[0]);
        return png.array();
    }

    private static void chunk(ByteBuffer out, String type, byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(type.getBytes());
        crc.update(data);
        out.putInt(data.length).put(type.getBytes()).put(data).putInt((int) crc.getValue());
    }
}
