package dev.internvl.image;

import java.awt.image.Raster;
import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.Node;

/**
 * The first frame of a GIF as Pillow 9.4 opens it, byte-exactly: a canvas the size of the logical screen (grown
 * to hold the frame if it sticks out), filled with the frame's transparent index if it has one and index 0
 * otherwise, with the frame's indices placed at its offset, then looked up in the local colour table, else the
 * global one, else read as grey levels. Transparency is ignored, as {@code convert('RGB')} ignores it.
 */
final class GifDecoding {

    private GifDecoding() {
    }

    /** The canvas {@code {width, height}} Pillow gives the first frame, for the pixel limit check. */
    static int[] canvasSize(ImageReader reader) throws IOException {
        Canvas canvas = canvas(reader);
        return new int[] {canvas.width, canvas.height};
    }

    static RgbImage decode(ImageReader reader) throws IOException {
        Canvas canvas = canvas(reader);
        Raster frame = reader.read(0).getRaster();
        Node image = reader.getImageMetadata(0).getAsTree("javax_imageio_gif_image_1.0");
        Node control = MetadataNodes.child(image, "GraphicControlExtension");
        int fill = "TRUE".equalsIgnoreCase(MetadataNodes.attribute(control, "transparentColorFlag"))
                ? MetadataNodes.intAttribute(control, "transparentColorIndex", 0) : 0;
        int[] palette = MetadataNodes.palette(MetadataNodes.child(image, "LocalColorTable"), "ColorTableEntry");
        if (palette == null) {
            palette = canvas.globalPalette;
        }
        if (palette == null) {
            palette = new int[0]; // no colour table: indices are grey levels
        }
        int w = canvas.width;
        int h = canvas.height;
        byte[] out = new byte[w * h * 3];
        int fillColor = PillowColor.paletteColor(palette, palette.length, fill);
        for (int o = 0; o < out.length; o += 3) {
            put(out, o, fillColor);
        }
        int[] row = new int[frame.getWidth()];
        for (int y = 0; y < frame.getHeight(); y++) {
            frame.getSamples(frame.getMinX(), frame.getMinY() + y, row.length, 1, 0, row);
            int o = ((canvas.top + y) * w + canvas.left) * 3;
            for (int x = 0; x < row.length; x++, o += 3) {
                put(out, o, PillowColor.paletteColor(palette, palette.length, row[x]));
            }
        }
        return new RgbImage(w, h, out);
    }

    private static void put(byte[] out, int o, int rgb) {
        out[o] = (byte) (rgb >> 16);
        out[o + 1] = (byte) (rgb >> 8);
        out[o + 2] = (byte) rgb;
    }

    private record Canvas(int width, int height, int left, int top, int[] globalPalette) {
    }

    private static Canvas canvas(ImageReader reader) throws IOException {
        IIOMetadata streamMetadata = reader.getStreamMetadata();
        Node stream = streamMetadata.getAsTree("javax_imageio_gif_stream_1.0");
        Node screen = MetadataNodes.child(stream, "LogicalScreenDescriptor");
        Node descriptor = MetadataNodes.child(reader.getImageMetadata(0).getAsTree("javax_imageio_gif_image_1.0"),
                "ImageDescriptor");
        int left = MetadataNodes.intAttribute(descriptor, "imageLeftPosition", 0);
        int top = MetadataNodes.intAttribute(descriptor, "imageTopPosition", 0);
        int width = Math.max(MetadataNodes.intAttribute(screen, "logicalScreenWidth", 0),
                left + MetadataNodes.intAttribute(descriptor, "imageWidth", 0));
        int height = Math.max(MetadataNodes.intAttribute(screen, "logicalScreenHeight", 0),
                top + MetadataNodes.intAttribute(descriptor, "imageHeight", 0));
        int[] global = MetadataNodes.palette(MetadataNodes.child(stream, "GlobalColorTable"), "ColorTableEntry");
        return new Canvas(width, height, left, top, global);
    }
}
