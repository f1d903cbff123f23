package dev.internvl.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes JPEG, PNG, GIF (first frame), BMP and WebP to 8-bit RGB the way the official InternVL code's
 * {@code Image.open(f).convert('RGB')} does with Pillow 9.4: no colour management (ICC profiles, PNG gamma),
 * no EXIF orientation, alpha dropped without matting, palettes, grey, 16-bit and CMYK converted by Pillow's rules.
 *
 * <p>Agreement with Pillow 9.4 (libjpeg-turbo 2.1, libwebp 1.2), checked on fixtures of every case listed:
 * <ul>
 *   <li>byte-exact: PNG of every colour type and bit depth, interlaced or not ({@link PngDecoding}); GIF
 *       ({@link GifDecoding}); BMP with 1, 4 or 8-bit palettes (RLE too), 16-bit 555/565, 24 and 32-bit; lossless
 *       WebP; JPEG ({@link JpegDecoding}) baseline, progressive and arithmetic-coded, chroma sampled 4:4:4, 4:2:2,
 *       4:2:0, 4:4:0 or 4:1:1, greyscale, RGB, CMYK and YCCK: the JDK's libjpeg produces the same samples as
 *       Pillow's libjpeg-turbo for all of these (it is a different build, so exotic streams could still differ);</li>
 *   <li>approximate: lossy WebP ({@link WebpDecoding}), about 2 levels off on average for a photo.</li>
 * </ul>
 *
 * <p>Like Pillow, images of more than {@link #DEFAULT_MAX_PIXELS} pixels are refused before their pixels are
 * decoded. PNG metadata chunks (text, ICC profiles, gamma) are dropped before the JDK's reader sees them, so
 * compressed text cannot inflate in memory. Empty, truncated or unsupported input raises {@link ImageDecodeException} naming the source; cut-off
 * JPEG and WebP streams are refused even where the underlying decoder would fill in the missing part. Damage
 * inside compressed data that still decodes (flipped bits) cannot be told from a real image, as with Pillow.
 */
public final class ImageDecoder {

    /**
     * The default pixel limit, Pillow's decompression-bomb error threshold {@code 2 * MAX_IMAGE_PIXELS}
     * ({@code 2 * 89_478_485}).
     */
    public static final long DEFAULT_MAX_PIXELS = 2L * 89_478_485;

    private static final String BYTES_SOURCE = "image bytes";
    private static final long ARRAY_LIMIT = (Integer.MAX_VALUE - 8) / 4;

    private ImageDecoder() {
    }

    /** Decodes {@code encoded} with the default pixel limit; {@code sourceName} (may be null) names it in errors. */
    public static RgbImage decode(byte[] encoded, String sourceName) {
        return decode(encoded, sourceName, DEFAULT_MAX_PIXELS);
    }

    /**
     * Decodes {@code encoded}, refusing images of more than {@code maxPixels} pixels.
     *
     * @param sourceName how errors name the data, e.g. a file name; {@code null} means {@code "image bytes"}
     * @throws ImageDecodeException if the data is empty, not a supported format, corrupt, truncated or too large
     */
    public static RgbImage decode(byte[] encoded, String sourceName, long maxPixels) {
        return read(encoded, sourceName, maxPixels, true).image();
    }

    /**
     * What the header of an image says, read without decoding its pixels.
     *
     * @param format the format's name: JPEG, PNG, GIF, BMP or WEBP
     * @param width  the width the decoder would produce (a GIF's logical screen, not its first frame's)
     * @param height the height, likewise
     */
    public record Header(String format, int width, int height) {

        public long pixels() {
            return (long) width * height;
        }
    }

    /**
     * Reads the header of {@code encoded} and applies the same checks as {@link #decode(byte[], String, long)}
     * before it decodes pixels (format, size, pixel limit), without decoding them: the cheap refusal a server makes
     * before it queues the work.
     *
     * @throws ImageTooLargeException if the header announces more than {@code maxPixels} pixels
     * @throws ImageDecodeException if the data is empty, not a supported format or has an unreadable header
     */
    public static Header readHeader(byte[] encoded, String sourceName, long maxPixels) {
        return read(encoded, sourceName, maxPixels, false).header();
    }

    private record Read(Header header, RgbImage image) {
    }

    private static Read read(byte[] encoded, String sourceName, long maxPixels, boolean pixels) {
        Objects.requireNonNull(encoded, "encoded");
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        String source = sourceName == null || sourceName.isBlank() ? BYTES_SOURCE : sourceName;
        if (encoded.length == 0) {
            throw new ImageDecodeException(source + ": empty input (0 bytes), not an image");
        }
        ImageFormat format = ImageFormat.sniff(encoded).orElseThrow(() -> new ImageDecodeException(source
                + ": unsupported or unrecognized image format (supported: JPEG, PNG, GIF, BMP, WebP)"));
        // PNG metadata (text, ICC profiles) can inflate to gigabytes inside the reader and is never used.
        byte[] data = format == ImageFormat.PNG ? PngDecoding.withoutAncillaryChunks(encoded) : encoded;
        ImageReader reader = format.newReader();
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in, false, false);
            int[] size = checkSize(source, format, reader, maxPixels);
            Header header = new Header(format.name(), size[0], size[1]);
            if (!pixels) {
                return new Read(header, null);
            }
            RgbImage image = switch (format) {
                case JPEG -> JpegDecoding.decode(reader, encoded);
                case PNG -> PngDecoding.decode(reader, data);
                case GIF -> GifDecoding.decode(reader);
                case WEBP -> WebpDecoding.decode(reader, encoded);
                case BMP -> RasterRgb.convert(reader.read(0));
            };
            for (String warning : warnings) {
                if (warning.toLowerCase(Locale.ROOT).contains("premature end")) {
                    throw new ImageDecodeException(source + ": cannot decode " + format + " image: truncated data ("
                            + warning + ")");
                }
            }
            return new Read(header, image);
        } catch (ImageDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(source + ": cannot decode " + format + " image: " + describe(e), e);
        } finally {
            reader.dispose();
        }
    }

    /** Reads and decodes {@code file} with the default pixel limit. */
    public static RgbImage decode(Path file) {
        return decode(file, DEFAULT_MAX_PIXELS);
    }

    /**
     * Reads and decodes {@code file}, refusing images of more than {@code maxPixels} pixels.
     *
     * @throws UncheckedIOException if the file cannot be read
     * @throws ImageDecodeException if its content cannot be decoded (see {@link #decode(byte[], String, long)})
     */
    public static RgbImage decode(Path file, long maxPixels) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read image file " + file, e);
        }
        return decode(bytes, file.toString(), maxPixels);
    }

    /**
     * Converts an in-memory image by its stored samples, with no colour management: RGB(A) samples are taken as
     * they are (alpha dropped, premultiplied data not undone), grey is replicated, palettes are looked up, 16-bit
     * samples keep their high byte and packed 5/6-bit fields are widened as Pillow widens them.
     *
     * @throws IllegalArgumentException for colour models other than grey, RGB, packed RGB or indexed
     */
    public static RgbImage fromBufferedImage(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        return RasterRgb.convert(image);
    }

    private static int[] checkSize(String source, ImageFormat format, ImageReader reader, long maxPixels)
            throws IOException {
        int[] size = format == ImageFormat.GIF ? GifDecoding.canvasSize(reader)
                : new int[] {reader.getWidth(0), reader.getHeight(0)};
        int width = size[0];
        int height = size[1];
        long pixels = (long) width * height;
        if (width <= 0 || height <= 0) {
            throw new ImageDecodeException(source + ": invalid image size " + width + "x" + height);
        }
        if (pixels > maxPixels || pixels > ARRAY_LIMIT) {
            throw new ImageTooLargeException(source + ": image of " + pixels + " pixels (" + width + "x" + height
                    + ") exceeds the limit of " + Math.min(maxPixels, ARRAY_LIMIT)
                    + " pixels; refusing it as a possible decompression bomb", width, height);
        }
        return size;
    }

    private static String describe(Throwable e) {
        StringBuilder message = new StringBuilder();
        for (Throwable t = e; t != null && message.length() < 300; t = t.getCause()) {
            String text = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (message.indexOf(text) < 0) {
                message.append(message.length() == 0 ? "" : ": ").append(text);
            }
        }
        return message.toString();
    }
}
