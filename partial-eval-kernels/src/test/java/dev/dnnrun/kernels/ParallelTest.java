package dev.dnnrun.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.dnnrun.kernels.conv.ConvKernels;
import dev.dnnrun.kernels.elementwise.Broadcast;
import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.kernels.gemm.Sgemm;

/**
 * Splitting over threads covers every column once and changes no result: a kernel on shared memory (split) gives
 * the same bits as on memory confined to the test's thread (never split).
 */
class ParallelTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Test
    void rangesCoverEveryColumnOnceInWholeGrains() {
        for (int n : new int[] {1, 31, 32, 33, 100, 4097}) {
            BitSet seen = new BitSet();
            Set<String> threads = ConcurrentHashMap.newKeySet();
            Parallel.forRange(n, 32, Parallel.MIN_WORK, (from, to) -> {
                threads.add(Thread.currentThread().getName());
                assertEquals(0, from % 32, "chunks start on a grain");
                synchronized (seen) {
                    assertTrue(seen.get(from, to).isEmpty(), "overlap at " + from);
                    seen.set(from, to);
                }
            });
            assertEquals(n, seen.cardinality());
            assertEquals(n, seen.nextClearBit(0));
            assertTrue(threads.size() <= Parallel.threads());
        }
    }

    @Test
    void aChunksExceptionReachesTheCallerAndThePoolKeepsWorking() {
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> Parallel.forRange(1000, 8, Parallel.MIN_WORK,
                        (from, to) -> {
                            if (from <= 500 && 500 < to) {
                                throw new IllegalStateException("chunk " + from);
                            }
                        }));
        assertTrue(thrown.getMessage().startsWith("chunk "));
        AtomicInteger covered = new AtomicInteger();
        Parallel.forRange(1000, 8, Parallel.MIN_WORK, (from, to) -> covered.addAndGet(to - from));
        assertEquals(1000, covered.get());
    }

    @Test
    void concurrentCallersAndNestedSplitsEachCoverTheirRangeOnce() throws InterruptedException {
        int callers = 4;
        int rounds = 300;
        AtomicInteger wrong = new AtomicInteger();
        Thread[] threads = new Thread[callers];
        for (int t = 0; t < callers; t++) {
            int n = 100 + 37 * t;
            threads[t] = new Thread(() -> {
                for (int r = 0; r < rounds; r++) {
                    AtomicInteger covered = new AtomicInteger();
                    Parallel.forRange(n, 4, Parallel.MIN_WORK, (from, to) -> {
                        // a kernel calling a split kernel inside its chunk runs it on its own thread
                        AtomicInteger inner = new AtomicInteger();
                        Parallel.forRange(to - from, 1, Parallel.MIN_WORK, (a, b) -> inner.addAndGet(b - a));
                        covered.addAndGet(inner.get());
                    });
                    if (covered.get() != n) {
                        wrong.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(0, wrong.get(), "rounds whose chunks did not add up to their range");
    }

    @Test
    void splitKernelsGiveTheSameBitsAsUnsplitOnes() {
        try (Arena confined = Arena.ofConfined(); Arena shared = Arena.ofShared()) {
            Random r = new Random(3);
            for (int[] mnk : new int[][] {{64, 300, 300}, {1, 4096, 512}, {301, 40, 200}}) {
                int m = mnk[0], n = mnk[1], k = mnk[2];
                float[] a = random(r, m * k), b = random(r, k * n);
                float[] single = gemm(confined, a, b, m, n, k);
                float[] split = gemm(shared, a, b, m, n, k);
                assertArrayEquals(single, split, "sgemm " + m + "x" + n + "x" + k);
            }
            ConvKernels.Geometry g = new ConvKernels.Geometry(1, 16, 32, 1, new int[] {1, 28, 28}, new int[] {1, 3, 3},
                            new int[] {1, 28, 28}, new int[] {1, 1, 1}, new int[] {0, 1, 1}, new int[] {1, 1, 1});
            float[] x = random(r, 16 * 784), w = random(r, 32 * 16 * 9);
            assertArrayEquals(conv(confined, g, x, w), conv(shared, g, x, w), "3x3 convolution");
        }
    }

    @Test
    void splitElementwiseKernelsGiveTheSameBitsAsUnsplitOnes() {
        try (Arena confined = Arena.ofConfined(); Arena shared = Arena.ofShared()) {
            Random r = new Random(5);
            // a broadcast over rows (split by rows, each chunk's cursor placed at its first row), a column broadcast,
            // and one long row (split by elements)
            long[][][] cases = {{{64, 3, 300}, {300}}, {{5, 40000}, {5, 1}}, {{100000}, {100000}}};
            for (long[][] shapes : cases) {
                Broadcast plan = Broadcast.of(shapes[0], shapes[1]);
                float[] a = random(r, (int) plan.outputCount()), b = random(r, (int) (shapes[1].length == 1 ? shapes[1][0] : shapes[1][0] * shapes[1][1]));
                float[] single = binary(confined, plan, a, b);
                float[] split = binary(shared, plan, a, b);
                assertArrayEquals(single, split, "sub " + Arrays.deepToString(shapes));
                float[] sigmoidSingle = sigmoid(confined, a);
                assertArrayEquals(sigmoidSingle, sigmoid(shared, a), "sigmoid of " + a.length);
                assertEquals(1f / (1f + (float) Math.exp(-a[a.length - 1])), sigmoidSingle[a.length - 1], 1e-6f);
            }
        }
    }

    private static float[] binary(Arena arena, Broadcast plan, float[] a, float[] b) {
        MemorySegment out = arena.allocate(4L * plan.outputCount());
        FloatBinary.apply(FloatBinary.Op.SUB, plan, segment(arena, a), segment(arena, b), out);
        float[] y = out.toArray(ValueLayout.JAVA_FLOAT);
        assertEquals(a[a.length - 1] - b[b.length - 1], y[y.length - 1], "last element");
        return y;
    }

    private static float[] sigmoid(Arena arena, float[] x) {
        MemorySegment out = arena.allocate(4L * x.length);
        FloatUnary.apply(FloatUnary.Op.SIGMOID, 0f, 0f, segment(arena, x), out, x.length);
        return out.toArray(ValueLayout.JAVA_FLOAT);
    }

    private static float[] gemm(Arena arena, float[] a, float[] b, int m, int n, int k) {
        MemorySegment c = arena.allocate(4L * m * n);
        Sgemm.sgemm(false, true, m, n, k, 1f, segment(arena, a), 0, k, segment(arena, b), 0, k, 0f, c, 0, n);
        return c.toArray(ValueLayout.JAVA_FLOAT);
    }

    private static float[] conv(Arena arena, ConvKernels.Geometry g, float[] x, float[] w) {
        MemorySegment y = arena.allocate(4L * 32 * 784);
        ConvKernels.conv(g, segment(arena, x), ConvKernels.prepare(g, segment(arena, w)), null, y, true);
        return y.toArray(ValueLayout.JAVA_FLOAT);
    }

    private static MemorySegment segment(Arena arena, float[] v) {
        MemorySegment s = arena.allocate(4L * v.length, 64);
        MemorySegment.copy(v, 0, s, F, 0, v.length);
        return s;
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextFloat() * 2 - 1;
        }
        return v;
    }
}
