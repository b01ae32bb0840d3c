package dev.dnnrun.accel.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.tensor.DType;

class ShapesTest {

    @Test
    void sizesOfStaticShapes() throws Exception {
        assertEquals(24, Shapes.elementCount("x", new long[] { 2, 3, 4 }));
        assertEquals(1, Shapes.elementCount("scalar", new long[0]));
        assertEquals(0, Shapes.elementCount("empty", new long[] { 5, 0 }));
        assertEquals(96, Shapes.byteSize("x", new TensorType(DType.FLOAT, new long[] { 2, 3, 4 })));
        assertEquals(16, Shapes.byteSize("i", new TensorType(DType.INT64, new long[] { 2 })));
        assertArrayEquals(new long[] { 8, 3 }, Shapes.byteSizes("input", List.of("a", "b"),
                        List.of(new TensorType(DType.DOUBLE, new long[] { 1 }), new TensorType(DType.BOOL, new long[] { 3 }))));
    }

    @Test
    void hostileShapesAreDeclinedWithTheValueNamed() {
        var unknown = assertThrows(UnsupportedSegmentException.class, () -> Shapes.elementCount("value 'x'", new long[] { 2, -1 }));
        assertTrue(unknown.getMessage().startsWith("value 'x' has shape [2, -1]"), unknown.getMessage());
        var overflow = assertThrows(UnsupportedSegmentException.class,
                        () -> Shapes.elementCount("value 'x'", new long[] { 1L << 40, 1L << 40 }));
        assertTrue(overflow.getMessage().contains("too large"), overflow.getMessage());
        // No overflow in the element count, but in the bytes; and a count that fits a long but no memory.
        assertThrows(UnsupportedSegmentException.class, () -> Shapes.byteSize("y", new TensorType(DType.DOUBLE, new long[] { 1L << 61 })));
        var absurd = assertThrows(UnsupportedSegmentException.class,
                        () -> Shapes.byteSize("input 'z'", new TensorType(DType.FLOAT, new long[] { 1L << 30, 1L << 30 })));
        assertTrue(absurd.getMessage().startsWith("input 'z' of type float32[1073741824, 1073741824]"), absurd.getMessage());
        assertThrows(UnsupportedSegmentException.class, () -> Shapes.byteSize("s", new TensorType(DType.STRING, new long[] { 2 })));
        assertThrows(UnsupportedSegmentException.class, () -> Shapes.byteSize("n", null));
        assertThrows(UnsupportedSegmentException.class, () -> Shapes.elementCount("n", null));
    }

    @Test
    void broadcastingAndAxes() throws Exception {
        assertTrue(Shapes.broadcastsTo(new long[] { 3, 1 }, new long[] { 2, 3, 4 }));
        assertTrue(Shapes.broadcastsTo(new long[0], new long[] { 2 }));
        assertFalse(Shapes.broadcastsTo(new long[] { 2, 3, 4 }, new long[] { 3, 4 }));
        assertFalse(Shapes.broadcastsTo(new long[] { 4, 1 }, new long[] { 3, 4 }));
        assertArrayEquals(new long[] { 1, 1, 7 }, Shapes.padLeft(new long[] { 7 }, 3));
        assertArrayEquals(new long[] { 2, 7 }, Shapes.padLeft(new long[] { 2, 7 }, 1));
        assertEquals(2, Shapes.axis("Concat", -1, 3));
        assertEquals(0, Shapes.axis("Concat", 0, 3));
        assertEquals("Softmax axis 3 for rank 3",
                        assertThrows(UnsupportedSegmentException.class, () -> Shapes.axis("Softmax", 3, 3)).getMessage());
        assertThrows(UnsupportedSegmentException.class, () -> Shapes.axis("Softmax", -4, 3));
    }
}
