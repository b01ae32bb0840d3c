package dev.dnnrun.kernels.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Test;

class SgemmTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private static MemorySegment random(Arena arena, int n, Random r) {
        MemorySegment s = arena.allocate(4L * Math.max(1, n), 64);
        for (int i = 0; i < n; i++) {
            s.setAtIndex(F, i, r.nextFloat() * 2 - 1);
        }
        return s;
    }

    /** Compares against a naive triple loop in double precision, over odd sizes, transposes, alpha/beta, bias. */
    @Test
    void matchesNaiveLoop() {
        int[] sizes = {1, 3, 4, 7, 33, 100, 257}; // 1, 3 and 4 take the unpacked few-rows path
        Random r = new Random(42);
        try (Arena arena = Arena.ofConfined()) {
            for (int m : sizes) {
                for (int n : sizes) {
                    for (int k : new int[]{1, 7, 300}) {
                        for (int t = 0; t < 4; t++) {
                            boolean ta = (t & 1) != 0;
                            boolean tb = (t & 2) != 0;
                            float alpha = t == 3 ? 0.5f : 1f;
                            float beta = t == 0 ? 0f : (t == 1 ? 1f : 0.25f);
                            float[] bias = t == 2 ? new float[m] : null;
                            if (bias != null) {
                                for (int i = 0; i < m; i++) {
                                    bias[i] = i * 0.1f;
                                }
                            }
                            check(arena, r, m, n, k, ta, tb, alpha, beta, bias);
                        }
                    }
                }
            }
        }
    }

    /**
     * The same with memory any thread may read, so products worth splitting run on the kernel threads (with
     * dnnrun.threads above 1, by default the cores), each thread its own columns of C.
     */
    @Test
    void matchesNaiveLoopWhenSplitOverThreads() {
        Random r = new Random(7);
        try (Arena arena = Arena.ofShared()) {
            for (int[] mnk : new int[][]{{257, 33, 300}, {33, 257, 300}, {301, 130, 100}}) {
                for (int t = 0; t < 4; t++) {
                    float[] bias = new float[mnk[0]];
                    for (int i = 0; i < bias.length; i++) {
                        bias[i] = i * 0.1f;
                    }
                    check(arena, r, mnk[0], mnk[1], mnk[2], (t & 1) != 0, (t & 2) != 0, t == 3 ? 0.5f : 1f, t == 0 ? 0f : 0.25f,
                                    t == 2 ? bias : null);
                }
            }
        }
    }

    private static void check(Arena arena, Random r, int m, int n, int k, boolean ta, boolean tb, float alpha,
                    float beta, float[] bias) {
        int lda = ta ? m : k;
        int ldb = tb ? k : n;
        int ldc = n + 3; // a padded leading dimension
        MemorySegment a = random(arena, m * k, r);
        MemorySegment b = random(arena, k * n, r);
        MemorySegment c = random(arena, m * ldc, r);
        double[] expected = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float av = a.getAtIndex(F, ta ? (long) p * lda + i : (long) i * lda + p);
                    float bv = b.getAtIndex(F, tb ? (long) j * ldb + p : (long) p * ldb + j);
                    s += (double) av * bv;
                }
                double old = beta == 0 ? 0 : beta * c.getAtIndex(F, (long) i * ldc + j);
                expected[i * n + j] = alpha * s + old + (bias == null ? 0 : bias[i]);
            }
        }
        float pad = c.getAtIndex(F, n);
        Sgemm.sgemm(ta, tb, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, c, 0, ldc, bias, 0);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(expected[i * n + j], c.getAtIndex(F, (long) i * ldc + j), 1e-4 * (1 + k),
                                "m=" + m + " n=" + n + " k=" + k + " ta=" + ta + " tb=" + tb + " at " + i + "," + j);
            }
        }
        if (n > 0 && m > 0) {
            assertEquals(pad, c.getAtIndex(F, n), "padding column of C was written");
        }
    }

    /**
     * The pre-packed entry point (convolutions): bias, a residual summand already in C (accumulate) and Relu fused into
     * the store, over full and edge tiles and two K blocks.
     */
    @Test
    void packedAWithBiasSummandAndReluMatchesNaiveLoop() {
        Random r = new Random(7);
        try (Arena arena = Arena.ofConfined()) {
            for (boolean accumulate : new boolean[]{false, true}) {
                for (int m : new int[]{1, 4, 9, 130}) {
                    for (int n : new int[]{1, 16, 33}) {
                        for (int k : new int[]{3, 300}) {
                            checkPacked(arena, r, m, n, k, accumulate);
                        }
                    }
                }
            }
        }
    }

    private static void checkPacked(Arena arena, Random r, int m, int n, int k, boolean accumulate) {
        MemorySegment a = random(arena, m * k, r);
        MemorySegment b = random(arena, k * n, r);
        int ldc = n + 2;
        MemorySegment c = random(arena, m * ldc, r);
        float[] old = new float[m * ldc];
        MemorySegment.copy(c, F, 0, old, 0, old.length);
        float[] bias = new float[m];
        for (int i = 0; i < m; i++) {
            bias[i] = (i % 3 - 1) * 0.5f;
        }
        Sgemm.sgemm(Sgemm.pack(m, k, a, 0, k), n, Sgemm.matrix(b, 0, n), c, 0, ldc, bias, 0, true, accumulate);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = bias[i] + (accumulate ? old[i * ldc + j] : 0);
                for (int p = 0; p < k; p++) {
                    s += (double) a.getAtIndex(F, (long) i * k + p) * b.getAtIndex(F, (long) p * n + j);
                }
                assertEquals(Math.max(0, s), c.getAtIndex(F, (long) i * ldc + j), 1e-4 * (1 + k),
                                "m=" + m + " n=" + n + " k=" + k + " accumulate=" + accumulate + " at " + i + "," + j);
            }
            if (n + 1 < ldc) {
                assertEquals(old[i * ldc + n], c.getAtIndex(F, (long) i * ldc + n), "padding column of C was written");
            }
        }
    }
}
