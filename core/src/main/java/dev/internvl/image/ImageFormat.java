package dev.internvl.image;

import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Optional;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;

/** The encoded formats {@link ImageDecoder} reads, recognized by their leading bytes rather than a file name. */
enum ImageFormat {
    JPEG, PNG, GIF, BMP, WEBP;

    /** The format whose signature {@code data} starts with, if any. */
    static Optional<ImageFormat> sniff(byte[] data) {
        if (startsWith(data, 0, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF})) {
            return Optional.of(JPEG);
        }
        if (startsWith(data, 0, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})) {
            return Optional.of(PNG);
        }
        if (startsWith(data, 0, ascii("GIF87a")) || startsWith(data, 0, ascii("GIF89a"))) {
            return Optional.of(GIF);
        }
        if (startsWith(data, 0, ascii("BM"))) {
            return Optional.of(BMP);
        }
        if (startsWith(data, 0, ascii("RIFF")) && startsWith(data, 8, ascii("WEBP"))) {
            return Optional.of(WEBP);
        }
        return Optional.empty();
    }

    /**
     * A fresh reader for this format. JPEG and WebP use the TwelveMonkeys plugins, registered here if the ImageIO
     * registry did not find them on the class path (as in some application servers and fat jars); PNG, GIF and
     * BMP use the JDK's own readers, whose raster layouts the decoding code relies on.
     */
    ImageReader newReader() {
        try {
            return switch (this) {
                case JPEG -> registered(JPEGImageReaderSpi.class, JPEGImageReaderSpi::new).createReaderInstance();
                case WEBP -> registered(WebPImageReaderSpi.class, WebPImageReaderSpi::new).createReaderInstance();
                case PNG -> jdkReader("png");
                case GIF -> jdkReader("gif");
                case BMP -> jdkReader("bmp");
            };
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create an image reader for " + this, e);
        }
    }

    /**
     * The registry's provider of the given class, registering a new one first if needed: registration is what
     * lets the TwelveMonkeys JPEG provider find the JDK reader it delegates to.
     */
    private static <T extends ImageReaderSpi> ImageReaderSpi registered(Class<T> type, Supplier<T> create) {
        IIORegistry registry = IIORegistry.getDefaultInstance();
        synchronized (ImageFormat.class) {
            T provider = registry.getServiceProviderByClass(type);
            if (provider == null) {
                provider = create.get();
                registry.registerServiceProvider(provider, ImageReaderSpi.class);
            }
            return provider;
        }
    }

    private static ImageReader jdkReader(String formatName) {
        ImageReader fallback = null;
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(formatName); it.hasNext(); ) {
            ImageReader reader = it.next();
            ImageReaderSpi spi = reader.getOriginatingProvider();
            if (spi != null && spi.getClass().getName().startsWith("com.sun.imageio.plugins.")) {
                return reader;
            }
            if (fallback == null) {
                fallback = reader;
            }
        }
        if (fallback == null) {
            throw new IllegalStateException("this Java runtime has no ImageIO reader for " + formatName);
        }
        return fallback;
    }

    private static boolean startsWith(byte[] data, int offset, byte[] prefix) {
        if (data.length < offset + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
