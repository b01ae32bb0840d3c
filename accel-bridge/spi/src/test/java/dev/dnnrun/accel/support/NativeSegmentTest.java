package dev.dnnrun.accel.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.tensor.DType;

class NativeSegmentTest {
    private final BufferAllocator allocator = new RootAllocator();

    @AfterEach
    void closeAllocator() {
        allocator.close();
    }

    private static Segment segment(TensorType in, TensorType out) {
        return new Segment("s", List.of(), List.of("x"), List.of(in), List.of("y"), List.of(out), Map.of(), Map.of("x", in, "y", out));
    }

    /** Copies its input, doubled, to its output; counts runs and releases. */
    private static final class Doubler extends NativeSegment {
        int runs;
        int releases;

        Doubler(Segment s) throws UnsupportedSegmentException {
            super(s);
        }

        @Override
        protected void run(MemorySegment[] in, MemorySegment[] out) {
            runs++;
            assertEquals(inputBytes(0), in[0].byteSize(), "seen with exactly the type's size");
            for (long i = 0; i < in[0].byteSize() / 4; i++) {
                out[0].setAtIndex(ValueLayout.JAVA_FLOAT, i, 2 * in[0].getAtIndex(ValueLayout.JAVA_FLOAT, i));
            }
        }

        @Override
        protected void release() {
            releases++;
        }
    }

    @Test
    void runsOverCheckedBuffersAndClosesOnce() throws Exception {
        TensorType t = new TensorType(DType.FLOAT, new long[] { 2, 3 });
        Doubler d = new Doubler(segment(t, t));
        try (ArrowBuf x = allocator.buffer(24); ArrowBuf y = allocator.buffer(24)) {
            for (int i = 0; i < 6; i++) {
                x.setFloat(i * 4L, i);
            }
            d.execute(new ArrowBuf[] { x }, new ArrowBuf[] { y });
            assertEquals(10f, y.getFloat(20), 0f);
            var e = assertThrows(IllegalArgumentException.class, () -> d.execute(new ArrowBuf[] { x }, new ArrowBuf[] { y.slice(0, 20) }));
            assertEquals("output 0 has 20 bytes, needs 24", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> d.execute(new ArrowBuf[] { null }, new ArrowBuf[] { y }));
            assertThrows(IllegalArgumentException.class, () -> d.execute(new ArrowBuf[0], new ArrowBuf[] { y }));
            assertThrows(IllegalArgumentException.class, () -> d.execute(null, new ArrowBuf[] { y }));
            assertEquals(1, d.runs, "rejected calls never reach run");
            d.close();
            d.close();
            assertEquals(1, d.releases);
            assertThrows(IllegalStateException.class, () -> d.execute(new ArrowBuf[] { x }, new ArrowBuf[] { y }));
        }
    }

    @Test
    void declinesTypesWithoutAFixedSize() {
        TensorType ok = new TensorType(DType.FLOAT, new long[] { 1 });
        var e = assertThrows(UnsupportedSegmentException.class, () -> new Doubler(segment(new TensorType(DType.FLOAT, new long[] { -1 }), ok)));
        assertTrue(e.getMessage().startsWith("input 'x' has shape [-1]"), e.getMessage());
        assertThrows(UnsupportedSegmentException.class, () -> new Doubler(segment(ok, new TensorType(DType.FLOAT, new long[] { 1L << 62 }))));
    }

    @Test
    void nativeFailuresBecomeExceptions() throws Exception {
        TensorType t = new TensorType(DType.FLOAT, new long[] { 1 });
        NativeSegment failing = new NativeSegment(segment(t, t)) {
            @Override
            protected void run(MemorySegment[] in, MemorySegment[] out) throws Throwable {
                throw new Throwable("downcall failed");
            }

            @Override
            protected void release() {
            }
        };
        try (ArrowBuf x = allocator.buffer(4); ArrowBuf y = allocator.buffer(4)) {
            var e = assertThrows(IllegalStateException.class, () -> failing.execute(new ArrowBuf[] { x }, new ArrowBuf[] { y }));
            assertTrue(e.getMessage().contains("downcall failed"), e.getMessage());
        }
        failing.close();
    }
}
