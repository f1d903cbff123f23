package dev.internvl.image;

import java.io.IOException;
import javax.imageio.ImageReader;

/**
 * WebP (first frame) to RGB through the TwelveMonkeys reader, alpha dropped as {@code convert('RGB')} drops it.
 * The RIFF container is checked first, because the lossless decoder would otherwise return partial pixels from a
 * cut-off file where libwebp (and so Pillow) refuses it.
 *
 * <p>Lossless WebP decodes byte-exactly. Lossy WebP is approximate: TwelveMonkeys upsamples chroma without
 * libwebp's "fancy" filter and converts YUV slightly differently, so a natural photo differs from Pillow's pixels
 * by about 2 levels on average and up to about 45 at sharp colour edges (87 on synthetic colour noise).
 */
final class WebpDecoding {

    private WebpDecoding() {
    }

    static RgbImage decode(ImageReader reader, byte[] webp) throws IOException {
        checkContainer(webp);
        return RasterRgb.convert(reader.read(0));
    }

    /** Requires the RIFF size and every chunk to fit inside the data. */
    static void checkContainer(byte[] webp) throws IOException {
        long riffEnd = 8 + littleEndian32(webp, 4);
        if (webp.length < 20 || riffEnd > webp.length) {
            throw new IOException("truncated data: the RIFF header announces " + riffEnd + " bytes, got "
                    + webp.length);
        }
        long pos = 12;
        while (pos + 8 <= riffEnd) {
            long chunkEnd = pos + 8 + littleEndian32(webp, (int) pos + 4);
            if (chunkEnd > riffEnd) {
                throw new IOException("truncated data: a chunk ends at byte " + chunkEnd + " of " + riffEnd);
            }
            pos = chunkEnd + (chunkEnd & 1); // chunks are padded to an even size
        }
    }

    private static long littleEndian32(byte[] b, int offset) {
        return (b[offset] & 0xFFL) | (b[offset + 1] & 0xFFL) << 8 | (b[offset + 2] & 0xFFL) << 16
                | (b[offset + 3] & 0xFFL) << 24;
    }
}
