package dev.internvl.image;

/**
 * What {@link JpegDecoding} needs from a JPEG's markers before its first scan: the colour space libjpeg assumes
 * ({@link JpegColorSpace}) and where the first scan starts, to check that the stream is complete.
 *
 * @param colorSpace the colour space of the stored components
 * @param scanOffset the offset of the first start-of-scan marker
 */
record JpegHeader(JpegColorSpace colorSpace, int scanOffset) {

    private static final int SOS = 0xDA;
    private static final int EOI = 0xD9;
    private static final int APP0 = 0xE0;
    private static final int APP14 = 0xEE;

    /**
     * Scans the markers up to the first scan.
     *
     * @throws IllegalArgumentException if the stream ends or is malformed before its first scan, has no frame
     *         header, or has an unsupported component count
     */
    static JpegHeader parse(byte[] jpeg) {
        boolean jfif = false;
        int adobeTransform = -1;
        int[] componentIds = null;
        int pos = 2; // after SOI
        while (true) {
            while (pos < jpeg.length && (jpeg[pos] & 0xFF) != 0xFF) {
                pos++; // libjpeg skips garbage before a marker (with a warning)
            }
            while (pos < jpeg.length && (jpeg[pos] & 0xFF) == 0xFF) {
                pos++; // fill bytes
            }
            if (pos >= jpeg.length) {
                throw new IllegalArgumentException("JPEG data ends before the image data starts");
            }
            int marker = jpeg[pos++] & 0xFF;
            if (marker == SOS) {
                if (componentIds == null) {
                    throw new IllegalArgumentException("no JPEG frame header (SOF) before the image data");
                }
                return new JpegHeader(JpegColorSpace.decide(jfif, adobeTransform, componentIds), pos - 2);
            }
            if (marker == EOI) {
                throw new IllegalArgumentException("JPEG data ends (EOI) before the image data starts");
            }
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                continue; // markers without a length
            }
            if (pos + 2 > jpeg.length) {
                throw new IllegalArgumentException("JPEG data ends inside a marker");
            }
            int length = ((jpeg[pos] & 0xFF) << 8) | (jpeg[pos + 1] & 0xFF);
            if (length < 2 || pos + length > jpeg.length) {
                throw new IllegalArgumentException("JPEG marker 0x" + Integer.toHexString(marker).toUpperCase()
                        + " has length " + length + ", beyond the data");
            }
            int data = pos + 2;
            int dataLength = length - 2;
            if (marker == APP0 && dataLength >= 14 && matches(jpeg, data, "JFIF\0")) {
                jfif = true;
            } else if (marker == APP14 && dataLength >= 12 && matches(jpeg, data, "Adobe")) {
                adobeTransform = jpeg[data + 11] & 0xFF;
            } else if (isStartOfFrame(marker) && dataLength >= 6) {
                int components = jpeg[data + 5] & 0xFF;
                if (dataLength < 6 + components * 3) {
                    throw new IllegalArgumentException("JPEG frame header is too short");
                }
                componentIds = new int[components];
                for (int c = 0; c < components; c++) {
                    componentIds[c] = jpeg[data + 6 + c * 3] & 0xFF;
                }
            }
            pos = data + dataLength;
        }
    }

    /**
     * Whether an end-of-image marker follows the first scan. Entropy-coded data escapes 0xFF bytes, so a
     * {@code FF D9} pair there is the real marker; without it the stream was cut off, which libjpeg only reports
     * as a warning (filling in grey) but Pillow rejects as truncated.
     */
    boolean endsProperly(byte[] jpeg) {
        for (int i = jpeg.length - 2; i > scanOffset; i--) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == EOI) {
                return true;
            }
        }
        return false;
    }

    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static boolean matches(byte[] data, int offset, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            if (data[offset + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
