package dev.dnnrun.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.junit.jupiter.api.Test;

import dev.dnnrun.tensor.DType.E8M0Rounding;

class DTypeFloat8Test {
    private static final DType[] FOUR = {DType.FLOAT8E4M3FN, DType.FLOAT8E4M3FNUZ, DType.FLOAT8E5M2, DType.FLOAT8E5M2FNUZ};

    private static double decode(DType t, int bits) {
        MemorySegment s = MemorySegment.ofArray(new byte[]{(byte) bits});
        return t.getDouble(s, 0);
    }

    private static int sat(DType t, double v) {
        return t.encodeFloat8(v, true, E8M0Rounding.UP);
    }

    private static int noSat(DType t, double v) {
        return t.encodeFloat8(v, false, E8M0Rounding.UP);
    }

    @Test
    void codesNamesAndPredicates() {
        int[] codes = {17, 18, 19, 20, 24};
        String[] names = {"FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "FLOAT8E8M0"};
        for (int i = 0; i < codes.length; i++) {
            DType t = DType.fromOnnx(codes[i]);
            assertEquals(names[i], t.name());
            assertEquals(names[i], DType.onnxName(codes[i]));
            assertEquals(1, t.byteSize);
            assertTrue(t.isFloat8());
            assertFalse(t.isFloating() || t.isInteger() || t.isNumeric(), t + " must not pass as an arithmetic type");
        }
        assertFalse(DType.FLOAT.isFloat8());
    }

    @Test
    void largestValuesAndSpecials() {
        assertEquals(448.0, decode(DType.FLOAT8E4M3FN, 0x7e));
        assertEquals(240.0, decode(DType.FLOAT8E4M3FNUZ, 0x7f));
        assertEquals(57344.0, decode(DType.FLOAT8E5M2, 0x7b));
        assertEquals(57344.0, decode(DType.FLOAT8E5M2FNUZ, 0x7f));
        assertTrue(Double.isNaN(decode(DType.FLOAT8E4M3FN, 0xff)));
        assertTrue(Double.isNaN(decode(DType.FLOAT8E4M3FNUZ, 0x80)));
        assertEquals(Double.NEGATIVE_INFINITY, decode(DType.FLOAT8E5M2, 0xfc));
        assertEquals(0x1p-9, decode(DType.FLOAT8E4M3FN, 0x01), "smallest subnormal");
        assertEquals(0x1p-17, decode(DType.FLOAT8E5M2FNUZ, 0x01), "smallest subnormal");
        assertEquals(0x1p-127, decode(DType.FLOAT8E8M0, 0x00));
        assertEquals(0x1p127, decode(DType.FLOAT8E8M0, 0xfe));
        assertTrue(Double.isNaN(decode(DType.FLOAT8E8M0, 0xff)));
    }

    @Test
    void everyFiniteCodeRoundTrips() {
        for (DType t : FOUR) {
            for (int c = 0; c < 256; c++) {
                double v = decode(t, c);
                if (!Double.isNaN(v) && !Double.isInfinite(v)) {
                    assertEquals(c, sat(t, v), t + " code " + c);
                }
            }
        }
    }

    @Test
    void roundsToNearestEven() {
        // E4M3FN around 1: step 1/8; 1 + 1/16 is a tie between 1.0 (even) and 1.125 (odd)
        assertEquals(1.0, decode(DType.FLOAT8E4M3FN, sat(DType.FLOAT8E4M3FN, 1.0625)));
        assertEquals(1.25, decode(DType.FLOAT8E4M3FN, sat(DType.FLOAT8E4M3FN, 1.1875)));
        assertEquals(1.125, decode(DType.FLOAT8E4M3FN, sat(DType.FLOAT8E4M3FN, 1.07)));
        assertEquals(-3.0, decode(DType.FLOAT8E5M2, sat(DType.FLOAT8E5M2, -2.9)));
    }

    @Test
    void saturationAndOverflow() {
        // 464 is the tie between 448 (even) and the first value beyond range: stays finite
        assertEquals(0x7e, noSat(DType.FLOAT8E4M3FN, 464));
        assertEquals(0x7f, noSat(DType.FLOAT8E4M3FN, 465), "overflow without saturate is NaN");
        assertEquals(0x7e, sat(DType.FLOAT8E4M3FN, 1e9));
        assertEquals(0xfe, sat(DType.FLOAT8E4M3FN, Double.NEGATIVE_INFINITY));
        assertEquals(0xfc, noSat(DType.FLOAT8E5M2, Double.NEGATIVE_INFINITY));
        assertEquals(0x7c, noSat(DType.FLOAT8E5M2, 61440), "tie rounds up to infinity (57344's code is odd)");
        assertEquals(0x7b, sat(DType.FLOAT8E5M2, 61440));
        assertEquals(0x80, noSat(DType.FLOAT8E4M3FNUZ, 1e9), "FNUZ has one NaN");
        assertEquals(0xff, sat(DType.FLOAT8E5M2FNUZ, Double.NEGATIVE_INFINITY));
        assertEquals(0x80, sat(DType.FLOAT8E5M2FNUZ, Double.NaN));
    }

    @Test
    void negativeZero() {
        assertEquals(0x80, sat(DType.FLOAT8E4M3FN, -0.0));
        assertEquals(0x80, sat(DType.FLOAT8E5M2, -1e-30), "underflow keeps the sign");
        assertEquals(0x00, sat(DType.FLOAT8E4M3FNUZ, -0.0), "FNUZ has no negative zero");
        assertEquals(0x00, sat(DType.FLOAT8E5M2FNUZ, -1e-30));
    }

    @Test
    void e8m0Rounding() {
        DType t = DType.FLOAT8E8M0;
        assertEquals(127 + 1, t.encodeFloat8(1.1, true, E8M0Rounding.UP));
        assertEquals(127, t.encodeFloat8(1.1, true, E8M0Rounding.DOWN));
        assertEquals(127, t.encodeFloat8(1.4, true, E8M0Rounding.NEAREST));
        assertEquals(128, t.encodeFloat8(1.5, true, E8M0Rounding.NEAREST), "ties round up");
        assertEquals(127, t.encodeFloat8(1.0, true, E8M0Rounding.UP));
        assertEquals(0x00, t.encodeFloat8(0, true, E8M0Rounding.UP), "saturates to the smallest value");
        assertEquals(0xff, t.encodeFloat8(0, false, E8M0Rounding.NEAREST));
        assertEquals(0xfe, t.encodeFloat8(Double.POSITIVE_INFINITY, true, E8M0Rounding.UP));
        assertEquals(0xff, t.encodeFloat8(0x1p200, false, E8M0Rounding.UP));
    }

    @Test
    void setDoubleSaturatesLikeCast() {
        MemorySegment s = MemorySegment.ofArray(new byte[1]);
        DType.FLOAT8E4M3FN.setDouble(s, 0, 1000);
        assertEquals(448.0, DType.FLOAT8E4M3FN.getDouble(s, 0));
        assertEquals(0x7e, s.get(ValueLayout.JAVA_BYTE, 0));
        assertSame(DType.FLOAT8E5M2, DType.fromName("float8e5m2"));
    }
}
