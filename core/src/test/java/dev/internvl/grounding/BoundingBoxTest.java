package dev.internvl.grounding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.internvl.InvalidRequestException;
import org.junit.jupiter.api.Test;

/** Conversions between pixels and InternVL's 0-1000 space. */
class BoundingBoxTest {

    @Test
    void pixelsFromModelNumbers() {
        BoundingBox b = BoundingBox.fromModel(243, 469, 558, 746, 427, 640);
        // the same double operations as Python's float(x) / 1000 * width
        assertEquals(103.761, b.x1());
        assertEquals(300.15999999999997, b.y1());
        assertEquals(238.26600000000002, b.x2());
        assertEquals(477.44, b.y2());
        assertEquals(b.x2() - b.x1(), b.width());
        assertEquals(b.y2() - b.y1(), b.height());
    }

    @Test
    void invertedAndOutOfRangeNumbersAreOrderedAndClamped() {
        BoundingBox b = BoundingBox.fromModel(900, 1500, -20, 400, 200, 100);
        assertArrayEquals(new double[] {0, 40, 180, 100}, new double[] {b.x1(), b.y1(), b.x2(), b.y2()});
        assertArrayEquals(new double[] {900, 1500, -20, 400}, b.raw());
        assertArrayEquals(new int[] {0, 400, 900, 1000}, b.normalized());
        assertArrayEquals(new int[] {2, 0, 3, 1000},
                BoundingBox.fromModel(2.5, 1e30, 3.49, -1e30, 10, 10).normalized()); // half to even
    }

    @Test
    void thousandthsRoundLikePythonRoundHalfToEven() {
        // expected values computed with Python: round((pixel / size) * 1000)
        Object[][] cases = {{1.0, 2000, 0}, {3.0, 2000, 2}, {5.0, 2000, 2}, {1.0, 400, 2}, {7.0, 16, 438},
                {103.761, 427, 243}, {300.16, 640, 469}, {238.266, 427, 558}, {477.44, 640, 746}, {0.5, 1, 500},
                {1.0, 3, 333}, {2.0, 3, 667}, {1919.0, 1920, 999}, {12.5, 25000, 0}, {37.5, 25000, 2}};
        for (Object[] c : cases) {
            assertEquals((int) c[2], BoundingBox.toThousandths((double) c[0], (int) c[1]), c[0] + " / " + c[1]);
        }
        assertEquals(0, BoundingBox.toThousandths(-5, 100));
        assertEquals(1000, BoundingBox.toThousandths(150, 100));
        assertThrows(InvalidRequestException.class, () -> BoundingBox.toThousandths(Double.NaN, 100));
        assertThrows(InvalidRequestException.class, () -> BoundingBox.toThousandths(1, 0));
    }

    @Test
    void regionFromPixels() {
        BoundingBox r = BoundingBox.ofPixels(238.266, 477.44, 103.761, 300.16, 427, 640);
        assertArrayEquals(new double[] {103.761, 300.16, 238.266, 477.44},
                new double[] {r.x1(), r.y1(), r.x2(), r.y2()});
        assertArrayEquals(new double[] {243, 469, 558, 746}, r.raw());
        assertArrayEquals(new int[] {243, 469, 558, 746}, r.normalized());
        BoundingBox clamped = BoundingBox.ofPixels(-10, 5, 2000, 50, 1000, 100);
        assertArrayEquals(new double[] {0, 5, 1000, 50},
                new double[] {clamped.x1(), clamped.y1(), clamped.x2(), clamped.y2()});
        assertArrayEquals(new int[] {0, 50, 1000, 500}, clamped.normalized());
        // round trip on a non-square image stays within half a thousandth of a side
        BoundingBox back = BoundingBox.fromModel(r.rawX1(), r.rawY1(), r.rawX2(), r.rawY2(), 427, 640);
        assertEquals(r.x1(), back.x1(), 0.5 * 427 / 1000);
        assertEquals(r.y2(), back.y2(), 0.5 * 640 / 1000);
    }

    @Test
    void invalidBoxesAreRefused() {
        assertThrows(InvalidRequestException.class, () -> new BoundingBox(5, 0, 1, 1, 0, 0, 0, 0));
        assertThrows(InvalidRequestException.class, () -> new BoundingBox(0, 0, 1, 1, Double.NaN, 0, 0, 0));
        assertThrows(InvalidRequestException.class, () -> BoundingBox.fromModel(0, 0, 1, 1, 0, 10));
        assertThrows(InvalidRequestException.class, () -> BoundingBox.fromModel(Double.POSITIVE_INFINITY, 0, 1, 1, 10, 10));
        assertThrows(InvalidRequestException.class, () -> BoundingBox.ofPixels(0, 0, Double.NaN, 1, 10, 10));
        assertThrows(InvalidRequestException.class, () -> BoundingBox.ofPixels(0, 0, 1, 1, 10, -1));
    }

    @Test
    void jsonNumbersAreRoundedHalfToEvenToThreeDecimalsAndIntegralOnesHaveNoFraction() {
        assertEquals(12L, BoundingBox.roundedPixel(12.0));
        assertEquals(12L, BoundingBox.roundedPixel(12.0004));
        assertEquals(new java.math.BigDecimal("0.124"), BoundingBox.roundedPixel(0.1245)); // a tie goes to even
        assertEquals(new java.math.BigDecimal("0.126"), BoundingBox.roundedPixel(0.1255));
        assertEquals(new java.math.BigDecimal("33.3"), BoundingBox.roundedPixel(33.3));
        assertEquals(1000L, BoundingBox.asWritten(1000.0));
        assertEquals(new java.math.BigDecimal("0.5"), BoundingBox.asWritten(0.5));
    }
}
