package dev.dnnrun.kernels.gemm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.dnnrun.kernels.Lanes;
import dev.dnnrun.kernels.Scratch;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Sgemm} for op(A) of {@link Sgemm#SMALL_M} rows or fewer (a fully connected layer at batch 1, a transposed
 * convolution with one output channel): B is read where it lies instead of packed, as each of its elements serves so
 * few rows that packing would cost more than it saves.
 */
final class FewRows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    /** Per-thread scratch: A's rows, the output rows, one vector of lanes; reused across calls. */
    private static final Scratch SCRATCH = new Scratch(3);

    private FewRows() {
    }

    /**
     * {@link Sgemm#sgemm} for at most {@link Sgemm#SMALL_M} rows: with op(B) = B^T (a fully connected layer's [N, K]
     * weights) every output is a dot product of two contiguous rows; otherwise a vector of each output row accumulates
     * alpha * a[i][p] * B[p, :] over p in registers ({@link #columns}).
     */
    static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a,
                    long aOff, int lda, MemorySegment b, long bOff, int ldb, float beta, MemorySegment c, long cOff,
                    int ldc, float[] rowBias, int biasOffset) {
        // rows [m x k] and out [m x n] in per-thread scratch, so that a batch-1 fully connected layer allocates nothing.
        float[] rows = SCRATCH.floats(0, (long) m * k), out = SCRATCH.floats(1, (long) m * n), lanes = SCRATCH.floats(2, L);
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                rows[i * k + p] = alpha * a.getAtIndex(F, transA ? aOff + (long) p * lda + i : aOff + (long) i * lda + p);
            }
        }
        if (transB) {
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                for (int i = 0; i < m; i++) {
                    dot4(rows, i * k, b, (bOff + (long) j * ldb) * 4, ldb * 4L, k, lanes, out, i * n + j);
                }
            }
            for (; j < n; j++) {
                long bRow = (bOff + (long) j * ldb) * 4;
                for (int i = 0; i < m; i++) {
                    out[i * n + j] = dot(rows, i * k, b, bRow, k, lanes);
                }
            }
        } else {
            columns(m, n, k, rows, b, bOff, ldb, out);
        }
        for (int i = 0; i < m; i++) {
            float add = rowBias == null ? 0f : rowBias[biasOffset + i];
            for (int j = 0; j < n; j++) {
                long at = (cOff + (long) i * ldc + j) * 4;
                float old = beta == 0f ? 0f : beta * c.get(F, at);
                c.set(F, at, out[i * n + j] + old + add);
            }
        }
    }

    /**
     * {@link #dot} for four rows of b at once (bytes {@code at}, {@code at + rowBytes}, ...), into {@code out[o..o+3]}:
     * x is loaded once for the four, and four independent sums keep more loads of b in flight (a classifier's
     * weights stream from beyond L2).
     */
    private static void dot4(float[] x, int x0, MemorySegment b, long at, long rowBytes, int k, float[] lanes, float[] out,
                    int o) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = s0;
        FloatVector s2 = s0;
        FloatVector s3 = s0;
        int p = 0;
        for (; p + L <= k; p += L) {
            FloatVector v = FloatVector.fromArray(S, x, x0 + p);
            long q = at + 4L * p;
            s0 = FloatVector.fromMemorySegment(S, b, q, NATIVE).fma(v, s0);
            s1 = FloatVector.fromMemorySegment(S, b, q + rowBytes, NATIVE).fma(v, s1);
            s2 = FloatVector.fromMemorySegment(S, b, q + 2 * rowBytes, NATIVE).fma(v, s2);
            s3 = FloatVector.fromMemorySegment(S, b, q + 3 * rowBytes, NATIVE).fma(v, s3);
        }
        out[o] = Lanes.sum(s0, lanes) + tail(x, x0, b, at, p, k);
        out[o + 1] = Lanes.sum(s1, lanes) + tail(x, x0, b, at + rowBytes, p, k);
        out[o + 2] = Lanes.sum(s2, lanes) + tail(x, x0, b, at + 2 * rowBytes, p, k);
        out[o + 3] = Lanes.sum(s3, lanes) + tail(x, x0, b, at + 3 * rowBytes, p, k);
    }

    /** {@code sum(x[x0 + p] * b[p])} for p in [from, k), b's row at byte {@code at}. */
    private static float tail(float[] x, int x0, MemorySegment b, long at, int from, int k) {
        float sum = 0f;
        for (int p = from; p < k; p++) {
            sum += x[x0 + p] * b.get(F, at + 4L * p);
        }
        return sum;
    }

    /** {@code sum(x[x0 + p] * b[p])} over k floats of b starting at byte {@code at}; {@code lanes} is scratch of L floats. */
    private static float dot(float[] x, int x0, MemorySegment b, long at, int k, float[] lanes) {
        FloatVector acc0 = FloatVector.zero(S);
        FloatVector acc1 = FloatVector.zero(S);
        int p = 0;
        for (; p + 2 * L <= k; p += 2 * L) {
            acc0 = FloatVector.fromArray(S, x, x0 + p).fma(FloatVector.fromMemorySegment(S, b, at + 4L * p, NATIVE), acc0);
            acc1 = FloatVector.fromArray(S, x, x0 + p + L).fma(FloatVector.fromMemorySegment(S, b, at + 4L * (p + L), NATIVE), acc1);
        }
        for (; p + L <= k; p += L) {
            acc0 = FloatVector.fromArray(S, x, x0 + p).fma(FloatVector.fromMemorySegment(S, b, at + 4L * p, NATIVE), acc0);
        }
        float sum = Lanes.sum(acc0.add(acc1), lanes);
        for (; p < k; p++) {
            sum += x[x0 + p] * b.get(F, at + 4L * p);
        }
        return sum;
    }

    /**
     * {@code out[i * n + j] = sum over p of rows[i * k + p] * B[p][j]} for the m (at most 4) rows, B being K x n at
     * {@code b + bOff} with leading dimension ldb: a vector of columns at a time, the rows' sums held in registers
     * while B's rows stream past (an axpy per row and p made 4K passes over the output rows instead).
     */
    private static void columns(int m, int n, int k, float[] rows, MemorySegment b, long bOff, int ldb, float[] out) {
        int r1 = Math.min(1, m - 1) * k;
        int r2 = Math.min(2, m - 1) * k;
        int r3 = Math.min(3, m - 1) * k;
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            long at = (bOff + j) * 4;
            for (int p = 0; p < k; p++, at += 4L * ldb) {
                FloatVector v = FloatVector.fromMemorySegment(S, b, at, NATIVE);
                s0 = v.fma(FloatVector.broadcast(S, rows[p]), s0);
                s1 = v.fma(FloatVector.broadcast(S, rows[r1 + p]), s1);
                s2 = v.fma(FloatVector.broadcast(S, rows[r2 + p]), s2);
                s3 = v.fma(FloatVector.broadcast(S, rows[r3 + p]), s3);
            }
            // Rows past m repeat the last one; only the first m are kept.
            s0.intoArray(out, j);
            if (m > 1) {
                s1.intoArray(out, n + j);
            }
            if (m > 2) {
                s2.intoArray(out, 2 * n + j);
            }
            if (m > 3) {
                s3.intoArray(out, 3 * n + j);
            }
        }
        for (; j < n; j++) {
            for (int i = 0; i < m; i++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    sum += rows[i * k + p] * b.getAtIndex(F, bOff + (long) p * ldb + j);
                }
                out[i * n + j] = sum;
            }
        }
    }
}
