package dev.internvl.image;

/**
 * The colour space of a JPEG's stored components, decided from its header markers as libjpeg(-turbo)'s
 * {@code default_decompression_parms} decides it (and so as Pillow's decoder sees it).
 */
enum JpegColorSpace {
    GRAY, YCBCR, RGB, CMYK, YCCK;

    /**
     * One component is grey; three are YCbCr when there is a JFIF marker, else as the Adobe marker's transform
     * says (0 = RGB, anything else YCbCr), else RGB only for component ids 'R', 'G', 'B'; four are YCCK when an
     * Adobe marker has a transform other than 0, else CMYK.
     *
     * @param adobeTransform the Adobe APP14 transform byte, or -1 without such a marker
     * @throws IllegalArgumentException for component counts other than 1, 3 and 4
     */
    static JpegColorSpace decide(boolean jfif, int adobeTransform, int[] componentIds) {
        return switch (componentIds.length) {
            case 1 -> GRAY;
            case 3 -> {
                if (jfif) {
                    yield YCBCR;
                }
                if (adobeTransform >= 0) {
                    yield adobeTransform == 0 ? RGB : YCBCR;
                }
                boolean rgbIds = componentIds[0] == 'R' && componentIds[1] == 'G' && componentIds[2] == 'B';
                yield rgbIds ? RGB : YCBCR;
            }
            case 4 -> adobeTransform > 0 ? YCCK : CMYK;
            default -> throw new IllegalArgumentException("JPEG with " + componentIds.length
                    + " components is not supported (only 1, 3 or 4)");
        };
    }
}
