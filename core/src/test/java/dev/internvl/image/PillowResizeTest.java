package dev.internvl.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class PillowResizeTest {

    @Test
    void matchesPillowOnSyntheticImagesUpDownAndMixed() {
        JsonObject golden = Golden.json("preprocess/pillow_resize_cases.json");
        int checked = 0;
        for (JsonElement e : golden.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            int inW = c.getAsJsonArray("in").get(0).getAsInt();
            int inH = c.getAsJsonArray("in").get(1).getAsInt();
            int outW = c.getAsJsonArray("out").get(0).getAsInt();
            int outH = c.getAsJsonArray("out").get(1).getAsInt();
            String kind = c.get("kind").getAsString();
            RgbImage out = PillowResize.resize(pattern(inW, inH, kind), outW, outH);
            assertEquals(outW, out.width());
            assertEquals(outH, out.height());
            assertEquals(c.get("sha256_rgb").getAsString(), Golden.sha256(out.rgb()),
                    kind + " " + inW + "x" + inH + " -> " + outW + "x" + outH);
            checked++;
        }
        assertEquals(32, checked);
    }

    @Test
    void sameSizeIsACopy() {
        RgbImage src = pattern(5, 4, "noise");
        RgbImage out = PillowResize.resize(src, 5, 4);
        assertEquals(src, out);
        assertNotSame(src.rgb(), out.rgb());
    }

    @Test
    void constantImageStaysConstant() {
        byte[] rgb = new byte[17 * 9 * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = 10;
            rgb[i + 1] = (byte) 200;
            rgb[i + 2] = (byte) 255;
        }
        RgbImage out = PillowResize.resize(new RgbImage(17, 9, rgb), 448, 3);
        for (int i = 0; i < out.rgb().length; i += 3) {
            assertArrayEquals(new byte[] {10, (byte) 200, (byte) 255},
                    new byte[] {out.rgb()[i], out.rgb()[i + 1], out.rgb()[i + 2]});
        }
    }

    @Test
    void rejectsNonPositiveTargets() {
        RgbImage src = pattern(3, 3, "noise");
        assertThrows(IllegalArgumentException.class, () -> PillowResize.resize(src, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> PillowResize.resize(src, 3, -1));
    }

    @Test
    void largePhotoToTwelveTileGridIsFast() {
        RgbImage src = pattern(4000, 3000, "gradient");
        PillowResize.resize(src, 1792, 1344); // warm-up
        long start = System.nanoTime();
        RgbImage out = PillowResize.resize(src, 1792, 1344);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(1792, out.width());
        // Typically well under a second on one core; the bound only catches gross regressions on a busy machine.
        assertTrue(millis < 5_000, "4000x3000 -> 1792x1344 took " + millis + " ms");
    }

    /** The synthetic inputs of make_resize_cases.py ({@code golden/preprocess/README.md}). */
    static RgbImage pattern(int w, int h, String kind) {
        byte[] rgb = new byte[w * h * 3];
        for (int i = 0; i < rgb.length; i++) {
            int value;
            if (kind.equals("noise")) {
                long v = (i * 0x9E3779B1L + 0x7F4A7C15L) & 0xFFFFFFFFL;
                v ^= v >>> 15;
                v = (v * 0x2C1B3C6DL) & 0xFFFFFFFFL;
                v ^= v >>> 12;
                value = (int) (v & 0xFF);
            } else {
                int c = i % 3;
                int x = (i / 3) % w;
                int y = (i / 3) / w;
                value = ((x / 8 + y / 8) % 2 == 0)
                        ? (x * 255 / Math.max(w - 1, 1) + c * 85) % 256
                        : (y * 255 / Math.max(h - 1, 1)) % 256;
            }
            rgb[i] = (byte) value;
        }
        return new RgbImage(w, h, rgb);
    }
}
