package dev.dnnrun.accel.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.UnsupportedSegmentException;

class WindowTest {

    private static OpView op(String type, Object... attrs) {
        Map<String, Object> a = new HashMap<>();
        for (int i = 0; i < attrs.length; i += 2) {
            a.put((String) attrs[i], attrs[i + 1]);
        }
        return new OpView("n", type, "", 13, a, List.of("x"), List.of("y"), List.of(), List.of(), Map.of());
    }

    @Test
    void explicitPadsStridesAndDilations() throws Exception {
        Window w = Window.of(op("Conv", "pads", new long[] { 1, 2, 1, 1 }, "strides", new long[] { 2, 2 }, "dilations",
                        new long[] { 2, 1 }), new long[] { 3, 3 }, new long[] { 2, 4, 9, 8 });
        assertArrayEquals(new long[] { 1, 2 }, w.padBegin());
        assertArrayEquals(new long[] { 1, 1 }, w.padEnd());
        assertEquals(5, w.extent(0));
        assertEquals(4, w.outputSize(0, 9)); // (9 + 2 - 5) / 2 + 1
        assertEquals(5, w.outputSize(1, 8)); // (8 + 3 - 3) / 2 + 1
        assertTrue(w.fits(new long[] { 2, 4, 9, 8 }, new long[] { 2, 6, 4, 5 }));
        assertFalse(w.fits(new long[] { 2, 4, 9, 8 }, new long[] { 2, 6, 4, 4 }));
        assertTrue(w.fits(new long[] { 2, 4, -1, 8 }, new long[] { 2, 6, 7, -1 }), "unknown sizes match");
    }

    @Test
    void autoPad() throws Exception {
        long[] x = { 1, 1, 7, 6 };
        // Outputs ceil(7/2) = 4 and ceil(6/2) = 3 need 3*2 + 3 - 7 = 2 pad rows and 2*2 + 5 - 6 = 3 pad columns.
        Window upper = Window.of(op("MaxPool", "auto_pad", "SAME_UPPER", "strides", new long[] { 2, 2 }), new long[] { 3, 5 }, x);
        assertArrayEquals(new long[] { 1, 1 }, upper.padBegin());
        assertArrayEquals(new long[] { 1, 2 }, upper.padEnd());
        Window lower = Window.of(op("MaxPool", "auto_pad", "SAME_LOWER", "strides", new long[] { 2, 2 }), new long[] { 3, 5 }, x);
        assertArrayEquals(new long[] { 1, 2 }, lower.padBegin());
        assertArrayEquals(new long[] { 1, 1 }, lower.padEnd());
        assertTrue(upper.fits(x, new long[] { 1, 1, 4, 3 }));
        Window valid = Window.of(op("AveragePool", "auto_pad", "VALID"), new long[] { 2, 2 }, x);
        assertArrayEquals(new long[] { 0, 0 }, valid.padBegin());
        assertEquals(6, valid.outputSize(0, 7));
        Window unknown = Window.of(op("Conv", "auto_pad", "SAME_UPPER"), new long[] { 3, 3 }, new long[] { 1, 1, -1, -1 });
        assertArrayEquals(new long[] { 0, 0 }, unknown.padBegin());
        Window oneD = Window.of(op("Conv", "pads", new long[] { 2, 0 }), new long[] { 5 }, new long[] { 1, 1, 10 });
        assertEquals(8, oneD.outputSize(0, 10));
    }

    @Test
    void kernelLargerThanInputGivesNoOutput() throws Exception {
        Window w = Window.of(op("Conv", "strides", new long[] { 2, 2 }), new long[] { 3, 3 }, new long[] { 1, 1, 2, 2 });
        assertEquals(0, w.outputSize(0, 2), "floor((2 - 3) / 2) + 1");
        assertFalse(w.fits(new long[] { 1, 1, 2, 2 }, new long[] { 1, 1, 1, 1 }));
    }

    @Test
    void badAttributesAreDeclined() {
        long[] x = { 1, 2, 5, 5 };
        long[] k = { 3, 3 };
        assertEquals("Conv pads of length 3 for 2 spatial axes", assertThrows(UnsupportedSegmentException.class,
                        () -> Window.of(op("Conv", "pads", new long[] { 1, 1, 1 }), k, x)).getMessage());
        assertThrows(UnsupportedSegmentException.class, () -> Window.of(op("Conv", "pads", new long[] { 0, -1, 0, 0 }), k, x));
        assertThrows(UnsupportedSegmentException.class, () -> Window.of(op("Conv", "strides", new long[] { 0, 1 }), k, x));
        assertThrows(UnsupportedSegmentException.class, () -> Window.of(op("Conv", "strides", new long[] { 1, 1, 1 }), k, x));
        assertThrows(UnsupportedSegmentException.class,
                        () -> Window.of(op("Conv", "dilations", new long[] { Long.MAX_VALUE / 2, 1 }), k, x), "overflowing extent");
        assertThrows(UnsupportedSegmentException.class, () -> Window.of(op("Conv", "auto_pad", "SAME"), k, x));
        assertThrows(UnsupportedSegmentException.class, () -> Window.of(op("Conv"), k, new long[] { 1, 2, 5 }));
    }
}
