package dev.internvl.grounding;

import dev.internvl.InvalidRequestException;

/**
 * One box: pixel coordinates of the original image (before tiling) and the four numbers the model wrote.
 *
 * <p>InternVL writes boxes as {@code [x1, y1, x2, y2]} in a 0-1000 space relative to the original image
 * ({@code x / W * 1000}, {@code y / H * 1000}, origin at the top-left corner). The pixel coordinates here are
 * {@code raw / 1000 * W} (x) and {@code raw / 1000 * H} (y), clamped to {@code [0, W]} and {@code [0, H]} and
 * ordered, so that {@code x1 <= x2} and {@code y1 <= y2} always hold. The raw numbers are kept exactly as written,
 * in the written order, even when they lie outside 0-1000 or describe an inverted box.
 *
 * @param x1    left edge in pixels, in {@code [0, W]}
 * @param y1    top edge in pixels, in {@code [0, H]}
 * @param x2    right edge in pixels, {@code x1 <= x2 <= W}
 * @param y2    bottom edge in pixels, {@code y1 <= y2 <= H}
 * @param rawX1 the first number the model wrote (0-1000 space)
 * @param rawY1 the second number
 * @param rawX2 the third number
 * @param rawY2 the fourth number
 */
public record BoundingBox(double x1, double y1, double x2, double y2,
        double rawX1, double rawY1, double rawX2, double rawY2) {

    /** The size of InternVL's normalized coordinate space. */
    public static final int SCALE = 1000;

    /** Checks that every number is finite and the pixel box is ordered. */
    public BoundingBox {
        for (double v : new double[] {x1, y1, x2, y2, rawX1, rawY1, rawX2, rawY2}) {
            if (!Double.isFinite(v)) {
                throw new InvalidRequestException("box coordinates must be finite numbers, got " + v);
            }
        }
        if (x1 > x2 || y1 > y2) {
            throw new InvalidRequestException("pixel box must be ordered (x1 <= x2, y1 <= y2), got [" + x1 + ", "
                    + y1 + ", " + x2 + ", " + y2 + "]");
        }
    }

    /**
     * The box for four numbers the model wrote, in pixels of a {@code width x height} original image: converted,
     * clamped to the image and ordered.
     */
    public static BoundingBox fromModel(double rawX1, double rawY1, double rawX2, double rawY2, int width,
            int height) {
        requireSize(width, height);
        double ax = toPixel(rawX1, width);
        double bx = toPixel(rawX2, width);
        double ay = toPixel(rawY1, height);
        double by = toPixel(rawY2, height);
        return new BoundingBox(Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by),
                rawX1, rawY1, rawX2, rawY2);
    }

    /**
     * A box given in pixels of a {@code width x height} image (for region-referring questions): the pixel
     * coordinates are clamped to the image and ordered, the raw numbers are their 0-1000 values rounded as
     * InternVL's training data rounds them ({@link #toThousandths(double, int)}).
     */
    public static BoundingBox ofPixels(double x1, double y1, double x2, double y2, int width, int height) {
        requireSize(width, height);
        for (double v : new double[] {x1, y1, x2, y2}) {
            if (!Double.isFinite(v)) {
                throw new InvalidRequestException("box coordinates must be finite numbers, got " + v);
            }
        }
        double ax = clamp(Math.min(x1, x2), width);
        double bx = clamp(Math.max(x1, x2), width);
        double ay = clamp(Math.min(y1, y2), height);
        double by = clamp(Math.max(y1, y2), height);
        return new BoundingBox(ax, ay, bx, by, toThousandths(ax, width), toThousandths(ay, height),
                toThousandths(bx, width), toThousandths(by, height));
    }

    /** A pixel coordinate for a 0-1000 value along an image side of {@code size} pixels: {@code raw/1000*size}, clamped. */
    public static double toPixel(double raw, int size) {
        return clamp(raw / SCALE * size, size);
    }

    /**
     * The 0-1000 value of a pixel coordinate along a side of {@code size} pixels, as InternVL's data preparation
     * computes it: Python's {@code round((x / size) * 1000)} (round half to even), clamped to 0-1000.
     */
    public static int toThousandths(double pixel, int size) {
        if (!Double.isFinite(pixel)) {
            throw new InvalidRequestException("coordinate must be a finite number, got " + pixel);
        }
        if (size <= 0) {
            throw new InvalidRequestException("image side must be positive, got " + size);
        }
        double v = Math.rint((pixel / size) * SCALE);
        return (int) Math.max(0, Math.min(SCALE, v));
    }

    /** The four numbers as the model wrote them: x1, y1, x2, y2. */
    public double[] raw() {
        return new double[] {rawX1, rawY1, rawX2, rawY2};
    }

    /**
     * The raw numbers made usable as a model input: clamped to 0-1000, ordered, rounded half to even to integers
     * (the form of {@code <box>[[x1, y1, x2, y2]]</box>} in questions).
     */
    public int[] normalized() {
        int ax = thousandths(rawX1);
        int bx = thousandths(rawX2);
        int ay = thousandths(rawY1);
        int by = thousandths(rawY2);
        return new int[] {Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by)};
    }

    /** Width in pixels. */
    public double width() {
        return x2 - x1;
    }

    /** Height in pixels. */
    public double height() {
        return y2 - y1;
    }

    private static int thousandths(double raw) {
        return (int) Math.max(0, Math.min(SCALE, Math.rint(raw)));
    }

    private static double clamp(double v, int size) {
        return Math.max(0, Math.min(size, v));
    }

    static void requireSize(int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new InvalidRequestException("image size must be positive, got " + width + "x" + height);
        }
    }

    /**
     * A pixel coordinate as the JSON of the CLI and the HTTP API writes it: rounded half to even to 3 decimals, a
     * {@code Long} when integral, else a {@code BigDecimal}.
     */
    public static Number roundedPixel(double v) {
        java.math.BigDecimal d = java.math.BigDecimal.valueOf(v).setScale(3, java.math.RoundingMode.HALF_EVEN)
                .stripTrailingZeros();
        return d.scale() <= 0 ? (Number) d.longValue() : d;
    }

    /** A number of the model's answer as written: a {@code Long} when integral, else a {@code BigDecimal}. */
    public static Number asWritten(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? (Number) (long) v : java.math.BigDecimal.valueOf(v);
    }
}
