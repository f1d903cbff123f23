package dev.internvl.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageReader;
import org.w3c.dom.Node;

/**
 * PNG to RGB as Pillow 9.4's {@code Image.open(f).convert('RGB')} yields it, byte-exactly for every PNG colour
 * type and bit depth: gAMA, cHRM, sRGB, iCCP and tRNS are ignored, alpha is dropped, grey at 1, 2 or 4 bits is
 * scaled to 0..255, 16-bit colour keeps the most significant byte, palette indices beyond the PLTE entries are
 * grey. One Pillow quirk is kept on purpose: 16-bit greyscale opens as 32-bit integer mode {@code I}, whose
 * conversion clips each value to 0..255, so such images come out nearly white.
 */
final class PngDecoding {

    private static final String FORMAT = "javax_imageio_png_1.0";

    private PngDecoding() {
    }

    static RgbImage decode(ImageReader reader, byte[] png) throws IOException {
        BufferedImage image = reader.read(0);
        Node root = reader.getImageMetadata(0).getAsTree(FORMAT);
        Node header = MetadataNodes.child(root, "IHDR");
        String colorType = MetadataNodes.attribute(header, "colorType");
        int bitDepth = MetadataNodes.intAttribute(header, "bitDepth", 8);
        if ("Palette".equals(colorType)) {
            int[] palette = MetadataNodes.palette(MetadataNodes.child(root, "PLTE"), "PLTEEntry");
            int entries = paletteEntries(png);
            if (palette == null || entries < 0) {
                throw new IOException("palette PNG without a PLTE chunk");
            }
            // The JDK pads its palette with black up to 2, 4, 16 or 256 entries; Pillow's padding is grey.
            return RasterRgb.fromIndices(image.getRaster(), palette, Math.min(entries, palette.length));
        }
        if ("Grayscale".equals(colorType) && bitDepth == 16) {
            return clippedGray(image.getRaster());
        }
        return RasterRgb.convert(image);
    }

    /**
     * {@code png} without its ancillary chunks other than tRNS: text (tEXt, zTXt, iTXt), ICC profiles, gamma, EXIF
     * and the like, which the conversion never uses. The JDK's reader inflates zTXt, iTXt and iCCP data without limit
     * while reading the header, so a 1 MB file could make it allocate gigabytes; Pillow caps such chunks, and the
     * pixels do not depend on them. Critical chunks (IHDR, PLTE, IDAT, IEND) and tRNS are kept in order; from the
     * first chunk whose length runs past the data, the rest is copied as it is, for the reader to report.
     */
    static byte[] withoutAncillaryChunks(byte[] png) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(png.length);
        int pos = Math.min(8, png.length);
        out.write(png, 0, pos);
        while (pos + 12 <= png.length) {
            long length = ((png[pos] & 0xFFL) << 24) | ((png[pos + 1] & 0xFF) << 16) | ((png[pos + 2] & 0xFF) << 8)
                    | (png[pos + 3] & 0xFF);
            if (length > png.length - pos - 12) {
                break;
            }
            int end = pos + 12 + (int) length;
            boolean ancillary = (png[pos + 4] & 0x20) != 0; // lower-case first letter
            String type = new String(png, pos + 4, 4, StandardCharsets.US_ASCII);
            if (!ancillary || type.equals("tRNS")) {
                out.write(png, pos, end - pos);
            }
            pos = end;
        }
        out.write(png, pos, png.length - pos);
        return out.toByteArray();
    }

    /** The number of colours in the PLTE chunk, or -1 if there is none before the image data. */
    static int paletteEntries(byte[] png) {
        int pos = 8; // after the signature
        while (pos + 8 <= png.length) {
            long length = ((png[pos] & 0xFFL) << 24) | ((png[pos + 1] & 0xFF) << 16) | ((png[pos + 2] & 0xFF) << 8)
                    | (png[pos + 3] & 0xFF);
            String type = new String(png, pos + 4, 4, StandardCharsets.US_ASCII);
            if (type.equals("PLTE")) {
                return (int) (length / 3);
            }
            if (type.equals("IDAT") || length > png.length) {
                return -1;
            }
            pos += 12 + (int) length;
        }
        return -1;
    }

    /** Pillow's mode {@code I} to RGB: each grey value clipped to 0..255. */
    private static RgbImage clippedGray(Raster raster) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0, o = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++, o += 3) {
                byte v = (byte) Math.min(row[x], 255);
                out[o] = v;
                out[o + 1] = v;
                out[o + 2] = v;
            }
        }
        return new RgbImage(w, h, out);
    }
}
