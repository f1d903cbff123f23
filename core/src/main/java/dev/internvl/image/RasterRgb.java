package dev.internvl.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns the stored samples of a {@link BufferedImage} into 8-bit RGB without any colour management, following
 * Pillow's {@code convert('RGB')} for the equivalent mode: palette indices are looked up (grey beyond the
 * palette's end), grey is replicated, alpha is dropped without matting, 16-bit samples keep their most
 * significant byte, and packed 5- or 6-bit fields are widened as {@code v * 255 / max}.
 */
final class RasterRgb {

    private RasterRgb() {
    }

    /** Converts {@code image} by its colour model, as the class comment describes. */
    static RgbImage convert(BufferedImage image) {
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        if (cm instanceof IndexColorModel icm) {
            int[] palette = new int[icm.getMapSize()];
            icm.getRGBs(palette);
            return fromIndices(raster, palette, palette.length);
        }
        if (cm instanceof DirectColorModel) {
            return fromPackedFields(raster, cm.getComponentSize());
        }
        int colors = cm.getNumColorComponents();
        if (colors != 1 && colors != 3) {
            throw new IllegalArgumentException("images with " + colors + " colour components are not supported");
        }
        int dataType = raster.getDataBuffer().getDataType();
        if (dataType == DataBuffer.TYPE_BYTE) {
            return fromSamples(raster, colors, 0);
        }
        if (dataType == DataBuffer.TYPE_USHORT) {
            return fromSamples(raster, colors, 8);
        }
        throw new IllegalArgumentException("images with sample data type " + dataType + " are not supported");
    }

    /** Looks up band 0 of {@code raster} as palette indices; see {@link PillowColor#paletteColor}. */
    static RgbImage fromIndices(Raster raster, int[] paletteRgb, int entries) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0, o = 0; y < h; y++) {
            raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, 0, row);
            for (int x = 0; x < w; x++, o += 3) {
                int c = PillowColor.paletteColor(paletteRgb, entries, row[x]);
                out[o] = (byte) (c >> 16);
                out[o + 1] = (byte) (c >> 8);
                out[o + 2] = (byte) c;
            }
        }
        return new RgbImage(w, h, out);
    }

    /**
     * Takes the first {@code colors} bands (1 = grey, replicated; 3 = RGB), each sample shifted right by
     * {@code shift} bits; further bands (alpha) are ignored.
     */
    static RgbImage fromSamples(Raster raster, int colors, int shift) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        if (colors == 3 && shift == 0 && raster.getNumBands() == 3) {
            return new RgbImage(w, h, interleavedBytes(raster));
        }
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            for (int c = 0; c < 3; c++) {
                raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, colors == 1 ? 0 : c, row);
                for (int x = 0, o = y * w * 3 + c; x < w; x++, o += 3) {
                    out[o] = (byte) (row[x] >>> shift);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** Widens the R, G, B fields of a packed raster (bands 0 to 2) of the given bit sizes to 8 bits. */
    private static RgbImage fromPackedFields(Raster raster, int[] bits) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            int max = (1 << bits[c]) - 1;
            for (int y = 0; y < h; y++) {
                raster.getSamples(raster.getMinX(), raster.getMinY() + y, w, 1, c, row);
                for (int x = 0, o = y * w * 3 + c; x < w; x++, o += 3) {
                    out[o] = (byte) (max == 255 ? row[x] : row[x] * 255 / max);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** All bands of {@code raster} as 8-bit samples, pixel-interleaved, row-major. */
    static byte[] interleavedBytes(Raster raster) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        int bands = raster.getNumBands();
        byte[] out = new byte[w * h * bands];
        if (raster.getSampleModel() instanceof ComponentSampleModel sm
                && raster.getDataBuffer() instanceof DataBufferByte buffer
                && buffer.getNumBanks() == 1 && sm.getPixelStride() == bands && isIdentity(sm.getBandOffsets())
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0) {
            byte[] data = buffer.getData();
            int base = buffer.getOffset();
            for (int y = 0; y < h; y++) {
                System.arraycopy(data, base + y * sm.getScanlineStride(), out, y * w * bands, w * bands);
            }
            return out;
        }
        int[] row = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, w, 1, row);
            for (int i = 0; i < row.length; i++) {
                out[y * row.length + i] = (byte) row[i];
            }
        }
        return out;
    }

    private static boolean isIdentity(int[] offsets) {
        for (int i = 0; i < offsets.length; i++) {
            if (offsets[i] != i) {
                return false;
            }
        }
        return true;
    }
}
