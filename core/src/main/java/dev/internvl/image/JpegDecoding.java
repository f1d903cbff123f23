package dev.internvl.image;

import java.awt.image.Raster;
import java.io.IOException;
import javax.imageio.ImageReader;

/**
 * JPEG to RGB as Pillow 9.4 does it: the reader's raw, upsampled components (no colour conversion, no ICC
 * profile applied, EXIF orientation ignored) are converted by the colour space libjpeg would assume
 * ({@link JpegColorSpace}): grey is replicated, YCbCr converted with libjpeg's tables, RGB taken as stored, and
 * CMYK/YCCK handled as Pillow's {@code CMYK;I} mode followed by {@code convert('RGB')}.
 *
 * <p>Decoding itself runs in the JDK's libjpeg (through the TwelveMonkeys reader). Its integer IDCT and "fancy"
 * chroma upsampling produce the same samples as Pillow's libjpeg-turbo 2.1 for every sampling layout tested
 * (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1), baseline, progressive and arithmetic-coded, so those decode byte-exactly.
 * A stream without an end-of-image marker after its image data is refused as truncated, as Pillow refuses it.
 */
final class JpegDecoding {

    private JpegDecoding() {
    }

    static RgbImage decode(ImageReader reader, byte[] jpeg) throws IOException {
        JpegHeader header = JpegHeader.parse(jpeg);
        if (!header.endsProperly(jpeg)) {
            throw new IOException("truncated data: no end-of-image marker after the image data");
        }
        JpegColorSpace space = header.colorSpace();
        Raster raster = reader.readRaster(0, null);
        int w = raster.getWidth();
        int h = raster.getHeight();
        int expectedBands = switch (space) {
            case GRAY -> 1;
            case YCBCR, RGB -> 3;
            case CMYK, YCCK -> 4;
        };
        if (raster.getNumBands() != expectedBands) {
            throw new IOException("decoder returned " + raster.getNumBands() + " components for a " + space
                    + " JPEG");
        }
        if (space == JpegColorSpace.GRAY) {
            return RasterRgb.fromSamples(raster, 1, 0);
        }
        byte[] samples = RasterRgb.interleavedBytes(raster);
        return switch (space) {
            case GRAY, RGB -> new RgbImage(w, h, samples);
            case YCBCR -> {
                LibjpegColor.ycbcrToRgb(samples);
                yield new RgbImage(w, h, samples);
            }
            case CMYK -> new RgbImage(w, h, PillowColor.invertedCmykToRgb(samples, w * h));
            case YCCK -> {
                LibjpegColor.ycckToCmyk(samples);
                yield new RgbImage(w, h, PillowColor.invertedCmykToRgb(samples, w * h));
            }
        };
    }
}
