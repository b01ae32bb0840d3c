package dev.dnnrun.kernels.gemm;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Sgemm}'s register-blocked micro-kernels: one {@code MR x NR} tile of C from a packed A panel ({@code MR}
 * rows, k-major) and a packed B panel ({@code NR} columns, k-major), {@code NR} being two vectors.
 *
 * <p>The tile height is sized so that C2 keeps every accumulator in a register. With 32 vector registers (AVX-512)
 * that is 8 rows (16 accumulators). With 16 (AVX2), 8 rows spilled five accumulators to the stack, and each spilled
 * one chains its FMAs through a store and a reload: the 8 x 16 kernel ran at 48 GFLOP/s, 6 x 16 (one spill) at 41,
 * and 4 x 16 at 85-92 on one core of this project's AMD EPYC.
 *
 * <p>A kernel leaves its tile in a scratch array and a store method writes it to C (bias, {@code beta * C}, Relu in
 * the same pass). Kernels are free of calls: a vector that crosses a call C2 does not inline is boxed, which costs
 * 10x. Storing straight from the accumulators through a helper was tried and made ResNet-50 ten times slower, as C2
 * would not inline the helper once it had compiled it on its own.
 */
final class MicroKernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    static final int MR = L >= 16 ? 8 : 4;
    static final int NR = 2 * L;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private MicroKernels() {
    }

    /**
     * {@code C[mr x nr] at cAt = A panel * B panel + beta * C (+ bias[biasAt + i] on row i)}, then Relu if asked
     * (callers pass relu with the last K block only, and beta 0 or the bias with the first).
     */
    static void tile(int kc, float[] ap, int aoff, float[] bp, int boff, float[] tile, MemorySegment c, long cAt, int ldc,
                    int mr, int nr, float beta, float[] bias, int biasAt, boolean relu) {
        if (MR == 4) {
            kernel4(kc, ap, aoff, bp, boff, tile);
        } else {
            kernel8(kc, ap, aoff, bp, boff, tile);
        }
        // Full and edge tiles are separate methods: one method holding both was too big for C1, never got
        // profiled, and so never reached C2, leaving its vectors boxed.
        if (nr == NR) {
            storeFullTile(tile, c, cAt, ldc, mr, beta, bias, biasAt, relu);
        } else {
            storePartialTile(tile, c, cAt, ldc, mr, nr, beta, bias, biasAt, relu);
        }
    }

    private static void kernel4(int kc, float[] ap, int aoff, float[] bp, int boff, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        int pa = aoff;
        int pb = boff;
        for (int p = 0; p < kc; p++, pa += 4, pb += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, pb);
            FloatVector b1 = FloatVector.fromArray(S, bp, pb + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[pa]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[pa + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[pa + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[pa + 3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
    }

    private static void kernel8(int kc, float[] ap, int aoff, float[] bp, int boff, float[] tile) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
        int pa = aoff;
        int pb = boff;
        for (int p = 0; p < kc; p++, pa += 8, pb += NR) {
            FloatVector b0 = FloatVector.fromArray(S, bp, pb);
            FloatVector b1 = FloatVector.fromArray(S, bp, pb + L);
            FloatVector a0 = FloatVector.broadcast(S, ap[pa]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            FloatVector a1 = FloatVector.broadcast(S, ap[pa + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            FloatVector a2 = FloatVector.broadcast(S, ap[pa + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            FloatVector a3 = FloatVector.broadcast(S, ap[pa + 3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            FloatVector a4 = FloatVector.broadcast(S, ap[pa + 4]);
            c40 = b0.fma(a4, c40);
            c41 = b1.fma(a4, c41);
            FloatVector a5 = FloatVector.broadcast(S, ap[pa + 5]);
            c50 = b0.fma(a5, c50);
            c51 = b1.fma(a5, c51);
            FloatVector a6 = FloatVector.broadcast(S, ap[pa + 6]);
            c60 = b0.fma(a6, c60);
            c61 = b1.fma(a6, c61);
            FloatVector a7 = FloatVector.broadcast(S, ap[pa + 7]);
            c70 = b0.fma(a7, c70);
            c71 = b1.fma(a7, c71);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
    }

    private static void storeFullTile(float[] tile, MemorySegment c, long cAt, int ldc, int mr, float beta, float[] bias,
                    int biasAt, boolean relu) {
        for (int i = 0; i < mr; i++) {
            long at = (cAt + (long) i * ldc) * 4;
            FloatVector v0 = FloatVector.fromArray(S, tile, i * NR);
            FloatVector v1 = FloatVector.fromArray(S, tile, i * NR + L);
            if (bias != null) {
                v0 = v0.add(bias[biasAt + i]);
                v1 = v1.add(bias[biasAt + i]);
            }
            if (beta != 0f) {
                FloatVector o0 = FloatVector.fromMemorySegment(S, c, at, NATIVE);
                FloatVector o1 = FloatVector.fromMemorySegment(S, c, at + 4L * L, NATIVE);
                v0 = beta == 1f ? v0.add(o0) : v0.add(o0.mul(beta));
                v1 = beta == 1f ? v1.add(o1) : v1.add(o1.mul(beta));
            }
            if (relu) {
                v0 = v0.max(0f);
                v1 = v1.max(0f);
            }
            v0.intoMemorySegment(c, at, NATIVE);
            v1.intoMemorySegment(c, at + 4L * L, NATIVE);
        }
    }

    /** The valid mr x nr corner of an edge tile, with masked loads and stores. */
    private static void storePartialTile(float[] tile, MemorySegment c, long cAt, int ldc, int mr, int nr, float beta,
                    float[] bias, int biasAt, boolean relu) {
        VectorMask<Float> m0 = S.indexInRange(0, nr);
        VectorMask<Float> m1 = S.indexInRange(L, nr);
        for (int i = 0; i < mr; i++) {
            long at = (cAt + (long) i * ldc) * 4;
            FloatVector v0 = FloatVector.fromArray(S, tile, i * NR);
            if (bias != null) {
                v0 = v0.add(bias[biasAt + i]);
            }
            if (beta != 0f) {
                FloatVector o0 = FloatVector.fromMemorySegment(S, c, at, NATIVE, m0);
                v0 = beta == 1f ? v0.add(o0) : v0.add(o0.mul(beta));
            }
            v0 = relu ? v0.max(0f) : v0;
            v0.intoMemorySegment(c, at, NATIVE, m0);
            if (nr > L) {
                FloatVector v1 = FloatVector.fromArray(S, tile, i * NR + L);
                if (bias != null) {
                    v1 = v1.add(bias[biasAt + i]);
                }
                if (beta != 0f) {
                    FloatVector o1 = FloatVector.fromMemorySegment(S, c, at + 4L * L, NATIVE, m1);
                    v1 = beta == 1f ? v1.add(o1) : v1.add(o1.mul(beta));
                }
                v1 = relu ? v1.max(0f) : v1;
                v1.intoMemorySegment(c, at + 4L * L, NATIVE, m1);
            }
        }
    }
}
