package dev.internvl.image;

/**
 * Pillow 9.4's conversions to RGB that have no libjpeg or ImageIO counterpart ({@code libImaging/Convert.c},
 * {@code Unpack.c}, {@code Palette.c}).
 */
final class PillowColor {

    private PillowColor() {
    }

    /**
     * Converts a JPEG's interleaved CMYK samples, stored inverted as Adobe applications write them, to RGB the way
     * Pillow does: it always assumes Adobe polarity (raw mode {@code CMYK;I}), so each sample is first inverted,
     * then {@code cmyk2rgb} computes {@code 255 - k - muldiv255(c, 255 - k)} per channel.
     */
    static byte[] invertedCmykToRgb(byte[] cmyk, int pixels) {
        byte[] rgb = new byte[pixels * 3];
        for (int i = 0, p = 0, o = 0; i < pixels; i++, p += 4, o += 3) {
            int notK = cmyk[p + 3] & 0xFF; // 255 - k where k = 255 - stored
            rgb[o] = (byte) cmykChannel(255 - (cmyk[p] & 0xFF), notK);
            rgb[o + 1] = (byte) cmykChannel(255 - (cmyk[p + 1] & 0xFF), notK);
            rgb[o + 2] = (byte) cmykChannel(255 - (cmyk[p + 2] & 0xFF), notK);
        }
        return rgb;
    }

    /** {@code cmyk2rgb} for one channel: {@code notK - MULDIV255(ink, notK)}. */
    static int cmykChannel(int ink, int notK) {
        int t = ink * notK + 128;
        return notK - (((t >> 8) + t) >> 8);
    }

    /**
     * The colour Pillow gives palette index {@code index} when the palette has {@code entries} colours: the colour
     * itself, or grey {@code (index, index, index)} beyond the palette's end, since Pillow's palettes start out as a
     * grey ramp and a short palette only overwrites its first entries.
     */
    static int paletteColor(int[] paletteRgb, int entries, int index) {
        return index < entries ? paletteRgb[index] & 0xFFFFFF : index * 0x010101;
    }
}
