package dev.dnnrun.kernels.elementwise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** Broadcast plans and the float32 binary kernels against a naive per-element index computation. */
class BroadcastTest {
    @Test
    void outputShapes() {
        assertArrayEquals(new long[]{2, 3, 4}, Broadcast.broadcastShape(new long[]{2, 3, 4}, new long[]{4}));
        assertArrayEquals(new long[]{2, 3, 4}, Broadcast.broadcastShape(new long[]{2, 1, 4}, new long[]{3, 1}));
        assertArrayEquals(new long[]{0, 3}, Broadcast.broadcastShape(new long[]{0, 1}, new long[]{3}));
        assertArrayEquals(new long[]{}, Broadcast.broadcastShape(new long[]{}, new long[]{}));
        assertThrows(IllegalArgumentException.class, () -> Broadcast.broadcastShape(new long[]{2, 3}, new long[]{2}));
    }

    @Test
    void mergesDimensions() {
        Broadcast same = Broadcast.of(new long[]{2, 3, 4}, new long[]{2, 3, 4});
        assertEquals(24, same.rowLength());
        assertEquals(1, same.rowCount());
        Broadcast bias = Broadcast.of(new long[]{8, 16, 5, 5}, new long[]{16, 1, 1});
        assertEquals(25, bias.rowLength());
        assertEquals(0, bias.innerStride(1));
        Broadcast scalar = Broadcast.of(new long[]{7, 9}, new long[]{});
        assertEquals(63, scalar.rowLength());
        assertEquals(0, scalar.innerStride(1));
    }

    @Test
    void floatKernelsMatchNaiveBroadcast() {
        Random rnd = new Random(42);
        long[][][] cases = {
            {{2, 3, 4}, {2, 3, 4}}, {{2, 3, 37}, {37}}, {{5, 1, 19}, {3, 1}}, {{1}, {6, 33}}, {{4, 1, 3, 1}, {1, 5, 1, 70}},
            {{}, {17}}, {{9, 17}, {}}, {{0, 3}, {3}}, {{3, 2, 1}, {2, 40}},
        };
        FloatBinary.Op[] ops = {FloatBinary.Op.ADD, FloatBinary.Op.SUB, FloatBinary.Op.DIV, FloatBinary.Op.MAX, FloatBinary.Op.PRELU,
            FloatBinary.Op.POW};
        for (long[][] c : cases) {
            for (FloatBinary.Op op : ops) {
                check(rnd, op, c[0], c[1]);
            }
        }
    }

    private static void check(Random rnd, FloatBinary.Op op, long[] sa, long[] sb) {
        Broadcast plan = Broadcast.of(sa, sb);
        long[] out = plan.outputShape();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = random(arena, rnd, count(sa));
            MemorySegment b = random(arena, rnd, count(sb));
            MemorySegment o = arena.allocate(Math.max(1, count(out) * 4));
            FloatBinary.apply(op, plan, a, b, o);
            for (long i = 0; i < count(out); i++) {
                float x = a.getAtIndex(ValueLayout.JAVA_FLOAT, source(i, out, sa));
                float y = b.getAtIndex(ValueLayout.JAVA_FLOAT, source(i, out, sb));
                float expected = switch (op) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case DIV -> x / y;
                    case MAX -> Math.max(x, y);
                    case PRELU -> x < 0 ? x * y : x;
                    case POW -> (float) Math.pow(x, y);
                    default -> throw new AssertionError();
                };
                assertEquals(expected, o.getAtIndex(ValueLayout.JAVA_FLOAT, i), op + " at " + i);
            }
        }
    }

    /** Index into an input of shape {@code in} for output element {@code i} of shape {@code out}. */
    private static long source(long i, long[] out, long[] in) {
        long idx = 0;
        long stride = 1;
        long rest = i;
        for (int d = out.length - 1; d >= 0; d--) {
            long coord = rest % out[d];
            rest /= out[d];
            int k = d - (out.length - in.length);
            if (k >= 0) {
                idx += (in[k] == 1 ? 0 : coord) * stride;
                stride *= in[k];
            }
        }
        return idx;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    private static MemorySegment random(Arena arena, Random rnd, long n) {
        MemorySegment s = arena.allocate(Math.max(1, n * 4));
        for (long i = 0; i < n; i++) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT, i, rnd.nextFloat() * 4 - 2);
        }
        return s;
    }
}
