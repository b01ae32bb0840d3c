package dev.dnnrun.kernels.gemm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.dnnrun.kernels.Parallel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 GEMM, {@code C = alpha * op(A) * op(B) + beta * C (+ rowBias)}, all matrices row-major
 * in {@link MemorySegment}s (offsets and leading dimensions in elements).
 *
 * <p>Goto/BLIS structure: B is packed into {@code KC x NR} panels and A into {@code MR x KC} panels (scaled by
 * alpha, zero padded at the edges) in heap arrays, then a register-blocked {@code MR x NR} micro-kernel keeps
 * {@code MR * NR / lanes} FMA accumulators in vector registers. A block of A ({@code MC x KC}) stays in L2 while
 * the micro-kernel sweeps over it with one B panel ({@code KC x NR}) resident in L1. Meant to be compiled by C2
 * (it runs behind a Truffle boundary), which intrinsifies the Vector API. Large products split C's columns over
 * threads ({@link Parallel}); the packed-A entry point leaves that to its caller.
 */
public final class Sgemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Micro-tile rows and columns (two vectors), sized in {@link MicroKernels}. */
    static final int MR = MicroKernels.MR;
    public static final int NR = MicroKernels.NR;
    private static final int KC = 256;
    private static final int MC = 128;
    private static final int NC = 4096;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /**
     * Up to this many rows of op(A), B is not packed: each of its elements serves so few rows that packing costs
     * more than it saves. A classifier's Gemm at batch 1 then streams its weights once instead of copying them.
     */
    static final int SMALL_M = 4;

    /** Per-thread packing buffers, reused across calls. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(
                    () -> new float[][]{new float[MC * KC], new float[KC * ((NC + NR - 1) / NR) * NR], new float[MR * NR]});

    private Sgemm() {
    }

    /**
     * Computes {@code C[M x N] = alpha * op(A) * op(B) + beta * C}, plus {@code rowBias[biasOffset + i]} added to
     * row i when rowBias is not null. op(A) is M x K, op(B) is K x N. When beta is 0, C is not read (may hold NaN).
     */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                    MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb, float beta,
                    MemorySegment c, long cOff, int ldc, float[] rowBias, int biasOffset) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scaleC(m, n, beta, c, cOff, ldc, rowBias, biasOffset);
            return;
        }
        long work = (long) m * n * k;
        if (m > SMALL_M && m > n) {
            // Rows of C split over threads: every chunk packs all of B, the smaller operand here. One chunk per thread.
            Parallel.forRange(m, MR, work, 1, (from, to) -> {
                long aAt = aOff + (transA ? from : (long) from * lda);
                packed(transA, transB, to - from, n, k, alpha, a, aAt, lda, b, bOff, ldb, beta, c, cOff + (long) from * ldc, ldc,
                                rowBias, biasOffset + from);
            }, a, b, c);
            return;
        }
        // Columns of C split over threads: B's columns are rows of B when transposed. Every chunk packs all of A, the
        // smaller operand here. One chunk per thread.
        Parallel.forRange(n, NR, work, 1, (from, to) -> {
            long bAt = bOff + (transB ? (long) from * ldb : from);
            if (m <= SMALL_M) {
                FewRows.sgemm(transA, transB, m, to - from, k, alpha, a, aOff, lda, b, bAt, ldb, beta, c, cOff + from, ldc, rowBias,
                                biasOffset);
            } else {
                packed(transA, transB, m, to - from, k, alpha, a, aOff, lda, b, bAt, ldb, beta, c, cOff + from, ldc, rowBias,
                                biasOffset);
            }
        }, a, b, c);
    }

    /** The Goto/BLIS loop nest for {@link #sgemm} on one thread. */
    private static void packed(boolean transA, boolean transB, int m, int n, int k, float alpha, MemorySegment a, long aOff,
                    int lda, MemorySegment b, long bOff, int ldb, float beta, MemorySegment c, long cOff, int ldc,
                    float[] rowBias, int biasOffset) {
        float[][] scratch = SCRATCH.get();
        float[] ap = scratch[0];
        float[] bp = scratch[1];
        float[] tile = scratch[2];
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean first = pc == 0;
                packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp);
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    packA(transA, a, aOff, lda, ic, mc, pc, kc, alpha, ap, 0);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int boff = (jr / NR) * kc * NR;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            long cAt = cOff + (long) (ic + ir) * ldc + jc + jr;
                            MicroKernels.tile(kc, ap, (ir / MR) * kc * MR, bp, boff, tile, c, cAt, ldc, mr, nr, first ? beta : 1f,
                                            first ? rowBias : null,
                                            biasOffset + ic + ir, false);
                        }
                    }
                }
            }
        }
    }

    /** A left operand packed once (e.g. constant convolution weights) for {@link #sgemm(PackedA, int, PanelSource,
     * MemorySegment, long, int, float[], int, boolean)}: per K block of KC, the MR-tall panels of all rows. */
    public static final class PackedA {
        final int m;
        final int k;
        final int mPad;
        final float[] data;

        PackedA(int m, int k, float[] data) {
            this.m = m;
            this.k = k;
            this.mPad = (m + MR - 1) / MR * MR;
            this.data = data;
        }

        /** Stores element (i, p). */
        public void set(int i, int p, float v) {
            int pc = p / KC * KC;
            int kc = Math.min(KC, k - pc);
            data[pc * mPad + (i / MR) * kc * MR + (p - pc) * MR + i % MR] = v;
        }

        /** Stores row i, K floats of {@code a} from {@code from}, into its panel of every K block. */
        void putRow(int i, float[] a, int from) {
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                int to = pc * mPad + (i / MR) * kc * MR + i % MR;
                for (int p = 0; p < kc; p++, to += MR) {
                    data[to] = a[from + pc + p];
                }
            }
        }
    }

    /**
     * Packs the row-major M x K matrix at {@code a + aOff} (leading dimension lda). Weights are packed once, in the
     * model's first call, while this code is still interpreted: a bulk copy per row and plain array loops, where
     * the vector path and per-element memory-segment reads had made packing SqueezeNet's weights take several hundred
     * milliseconds of its first run.
     */
    public static PackedA pack(int m, int k, MemorySegment a, long aOff, int lda) {
        PackedA packed = packed(m, k);
        float[] row = new float[k];
        for (int i = 0; i < m; i++) {
            MemorySegment.copy(a, F, (aOff + (long) i * lda) * 4, row, 0, k);
            packed.putRow(i, row, 0);
        }
        return packed;
    }

    /** An M x K left operand of zeros, to be filled with {@link PackedA#set}. */
    public static PackedA packed(int m, int k) {
        return new PackedA(m, k, new float[Math.toIntExact((long) ((m + MR - 1) / MR * MR) * k)]);
    }

    /** Fills {@code bp} with rows pc..pc+kc, columns jc..jc+nc of a K x N right operand as NR-wide panels
     * ({@code bp[(j / NR) * kc * NR + p * NR + j % NR]}), zero padding the last panel. */
    @FunctionalInterface
    public interface PanelSource {
        void pack(int pc, int kc, int jc, int nc, float[] bp);
    }

    /** The panel source of a row-major K x N matrix at {@code b + bOff} with leading dimension ldb. */
    public static PanelSource matrix(MemorySegment b, long bOff, int ldb) {
        return (pc, kc, jc, nc, bp) -> packB(false, b, bOff, ldb, pc, kc, jc, nc, bp);
    }

    /** What {@link #matrix}'s panel source does, for a source that aims at several matrices in turn. */
    public static void packMatrix(MemorySegment b, long bOff, int ldb, int pc, int kc, int jc, int nc, float[] bp) {
        packB(false, b, bOff, ldb, pc, kc, jc, nc, bp);
    }

    /**
     * {@code C[M x N] = A * B (+ rowBias[biasOffset + i] on row i)}, then {@code max(0, .)} when relu; A pre-packed,
     * B delivered panel-wise by {@code b} (so that e.g. im2col can pack straight from the image). C is read only when
     * {@code accumulate}: then the product is added to what C holds (a residual summand), before the Relu.
     */
    public static void sgemm(PackedA a, int n, PanelSource b, MemorySegment c, long cOff, int ldc, float[] rowBias,
                    int biasOffset, boolean relu, boolean accumulate) {
        sgemm(a, n, b, 0, c, cOff, ldc, rowBias, biasOffset, relu, accumulate);
    }

    /**
     * As {@link #sgemm(PackedA, int, PanelSource, MemorySegment, long, int, float[], int, boolean, boolean)} with B's
     * columns taken from column {@code bFrom} of {@code b} on: one source serves every thread's chunk of columns.
     */
    public static void sgemm(PackedA a, int n, PanelSource b, int bFrom, MemorySegment c, long cOff, int ldc, float[] rowBias,
                    int biasOffset, boolean relu, boolean accumulate) {
        int m = a.m;
        int k = a.k;
        if (m == 0 || n == 0) {
            return;
        }
        float firstBeta = accumulate ? 1f : 0f;
        if (k == 0) {
            scaleC(m, n, firstBeta, c, cOff, ldc, rowBias, biasOffset);
            if (relu) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        long at = (cOff + (long) i * ldc + j) * 4;
                        c.set(F, at, Math.max(0f, c.get(F, at)));
                    }
                }
            }
            return;
        }
        float[][] scratch = SCRATCH.get();
        float[] bp = scratch[1];
        float[] tile = scratch[2];
        float[] ap = a.data;
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean first = pc == 0;
                boolean last = pc + kc == k;
                b.pack(pc, kc, bFrom + jc, nc, bp);
                int aBlock = pc * a.mPad;
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int boff = (jr / NR) * kc * NR;
                        for (int ir = 0; ir < mc; ir += MR) {
                            int mr = Math.min(MR, mc - ir);
                            long cAt = cOff + (long) (ic + ir) * ldc + jc + jr;
                            MicroKernels.tile(kc, ap, aBlock + ((ic + ir) / MR) * kc * MR, bp, boff, tile, c, cAt, ldc, mr, nr,
                                            first ? firstBeta : 1f, first ? rowBias : null,
                                            biasOffset + ic + ir, relu && last);
                        }
                    }
                }
            }
        }
    }

    /** Convenience overload without bias. */
    public static void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                    MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb, float beta,
                    MemorySegment c, long cOff, int ldc) {
        sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, null, 0);
    }

    private static void scaleC(int m, int n, float beta, MemorySegment c, long cOff, int ldc, float[] bias, int bo) {
        for (int i = 0; i < m; i++) {
            float add = bias == null ? 0f : bias[bo + i];
            for (int j = 0; j < n; j++) {
                long at = (cOff + (long) i * ldc + j) * 4;
                float old = beta == 0f ? 0f : beta * c.get(F, at);
                c.set(F, at, old + add);
            }
        }
    }

    /** Packs rows pc..pc+kc, columns jc..jc+nc of op(B) into NR-wide panels, zero padding the last one. */
    private static void packB(boolean transB, MemorySegment b, long bOff, int ldb, int pc, int kc, int jc, int nc,
                    float[] bp) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int base = (jr / NR) * kc * NR;
            int j0 = jc + jr;
            if (!transB && nr == NR) {
                for (int p = 0; p < kc; p++) {
                    long src = (bOff + (long) (pc + p) * ldb + j0) * 4;
                    FloatVector.fromMemorySegment(S, b, src, NATIVE).intoArray(bp, base + p * NR);
                    FloatVector.fromMemorySegment(S, b, src + 4L * L, NATIVE).intoArray(bp, base + p * NR + L);
                }
            } else if (!transB) {
                for (int p = 0; p < kc; p++) {
                    long src = bOff + (long) (pc + p) * ldb + j0;
                    int dst = base + p * NR;
                    for (int j = 0; j < nr; j++) {
                        bp[dst + j] = b.getAtIndex(F, src + j);
                    }
                    for (int j = nr; j < NR; j++) {
                        bp[dst + j] = 0f;
                    }
                }
            } else {
                // op(B)[p][j] = B[j][p]: walk each source row contiguously.
                for (int j = 0; j < NR; j++) {
                    if (j < nr) {
                        long src = bOff + (long) (j0 + j) * ldb + pc;
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = b.getAtIndex(F, src + p);
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            bp[base + p * NR + j] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Packs rows ic..ic+mc, columns pc..pc+kc of alpha * op(A) into MR-tall panels, zero padding the last one. */
    private static void packA(boolean transA, MemorySegment a, long aOff, int lda, int ic, int mc, int pc, int kc,
                    float alpha, float[] ap, int apOff) {
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int base = apOff + (ir / MR) * kc * MR;
            for (int i = 0; i < MR; i++) {
                if (i >= mr) {
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * MR + i] = 0f;
                    }
                } else if (!transA) {
                    long src = aOff + (long) (ic + ir + i) * lda + pc;
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * MR + i] = alpha * a.getAtIndex(F, src + p);
                    }
                } else {
                    long src = aOff + (long) pc * lda + ic + ir + i;
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * MR + i] = alpha * a.getAtIndex(F, src + (long) p * lda);
                    }
                }
            }
        }
    }
}
