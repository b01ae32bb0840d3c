package dev.dnnrun.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

import dev.dnnrun.kernels.Interleave;
import dev.dnnrun.kernels.NativeScratch;
import dev.dnnrun.kernels.Parallel;
import dev.dnnrun.kernels.Scratch;
import dev.dnnrun.kernels.conv.ConvKernels.Geometry;
import dev.dnnrun.kernels.gemm.Sgemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * 3x3, stride 1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, 2015): each 2x2 block of
 * output is computed from a 4x4 tile of input with 16 multiplications per input channel instead of 36.
 *
 * <p>With {@code U = G w G^T} (the weights, transformed once at preparation) and {@code V = B^T d B} (a tile d of
 * input), the 4x4 products {@code U .* V} summed over input channels become, for each of the 16 tile positions e, one
 * GEMM: {@code M[e][M x T] = U[e][M x C] * V[e][C x T]}, T being tiles. The output block is then {@code A^T M A}. So
 * the multiply-adds drop 2.25-fold and go through the packed GEMM kernel; transforms are additions only.
 *
 * <p>Tiles are processed in blocks, so that a block's V and M stay in the cache; blocks are split over threads (on
 * maps of fewer blocks than threads, a block's 16 GEMMs are). Each output is computed by the same arithmetic whatever
 * the block or thread count. The results differ from the direct
 * convolution's by rounding only (the transforms' coefficients are 0, +-1 and +-1/2).
 */
final class Winograd {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Per thread: V and M of one block of tiles, native as they go through the shared GEMM (see NativeScratch). */
    private static final NativeScratch BLOCK = new NativeScratch(2);
    /**
     * Per thread: the block's input rows, split; the transformed rows of one tile row, later one channel's output
     * blocks; one zero-padded input row.
     */
    private static final Scratch SCRATCH = new Scratch(3);
    /**
     * Fewer input channels than this leave too little GEMM work per output to pay for the output transform: against
     * the im2col GEMM, SqueezeNet's 16-to-64-channel layer ran 0.83-1.14x the time, its 32-to-128 one 0.64-0.92x.
     */
    static final int MIN_CHANNELS = 32;
    /**
     * Fewer output channels than this leave too little GEMM work per input to pay for the input transform; with 16
     * and 24 (the text detector's 96-to-24 layers) it ran 0.52-0.66x the time.
     */
    static final int MIN_OUT_CHANNELS = 16;
    /** Per thread: a panel source re-aimed at each GEMM's plane of V, so that a block allocates none. */
    private static final ThreadLocal<PlanePanels> PANELS = ThreadLocal.withInitial(PlanePanels::new);

    private final Geometry g;
    private final int c;
    private final int m;
    /** The transformed weights, one packed M x C matrix per tile position. */
    private final Sgemm.PackedA[] u = new Sgemm.PackedA[16];
    /** Tiles per row and column of the output, and per block. */
    private final int tilesWide;
    private final int tiles;
    private final int block;
    /** Floats per staged half row: one per tile, one more for the last tile's right half, and a vector of slack. */
    private final int phase;

    /**
     * Whether {@link ConvKernels#conv} runs geometry {@code g} here: 2-D, ungrouped, 3x3, stride 1, no dilation,
     * leading pads of at most 2, enough channels.
     */
    static boolean applies(Geometry g) {
        return g.group() == 1 && g.in()[0] == 1 && g.kernel()[0] == 1 && g.kernel()[1] == 3 && g.kernel()[2] == 3
                        && g.stride()[1] == 1 && g.stride()[2] == 1 && g.dilation()[1] == 1 && g.dilation()[2] == 1
                        && g.padBegin()[1] <= 2 && g.padBegin()[2] <= 2
                        && g.channels() >= MIN_CHANNELS && g.outChannels() >= MIN_OUT_CHANNELS;
    }

    Winograd(Geometry g, MemorySegment weights) {
        this.g = g;
        this.c = g.channels();
        this.m = g.outChannels();
        tilesWide = (g.out()[2] + 1) / 2;
        tiles = tilesWide * ((g.out()[1] + 1) / 2);
        // About 256 KB of V per block, in whole GEMM panels.
        block = Math.max(Sgemm.NR, Math.min(256, 4096 / Math.max(c, m) / Sgemm.NR * Sgemm.NR));
        phase = tilesWide + 1 + L;
        // Array loops only: this runs once, before the JIT has compiled it. Each weight's 16 values go straight into
        // the 16 packed matrices (a full set of unpacked planes first would double the peak memory of the switch).
        for (int e = 0; e < 16; e++) {
            u[e] = Sgemm.packed(m, c);
        }
        float[] w = new float[9 * c];
        float[] t = new float[12];
        for (int oc = 0; oc < m; oc++) {
            MemorySegment.copy(weights, F, 36L * c * oc, w, 0, w.length);
            for (int ic = 0; ic < c; ic++) {
                int g0 = 9 * ic;
                // t = G w (4x3), then U = t G^T (4x4), with G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
                for (int j = 0; j < 3; j++) {
                    t[j] = w[g0 + j];
                    t[3 + j] = 0.5f * (w[g0 + j] + w[g0 + 3 + j] + w[g0 + 6 + j]);
                    t[6 + j] = 0.5f * (w[g0 + j] - w[g0 + 3 + j] + w[g0 + 6 + j]);
                    t[9 + j] = w[g0 + 6 + j];
                }
                for (int r = 0; r < 4; r++) {
                    float t0 = t[3 * r], t1 = t[3 * r + 1], t2 = t[3 * r + 2];
                    u[4 * r].set(oc, ic, t0);
                    u[4 * r + 1].set(oc, ic, 0.5f * (t0 + t1 + t2));
                    u[4 * r + 2].set(oc, ic, 0.5f * (t0 - t1 + t2));
                    u[4 * r + 3].set(oc, ic, t2);
                }
            }
        }
    }

    /** {@code y = conv(x) + bias} (bias may be null); with {@code accumulate} added to what y holds; then the Relu. */
    void run(MemorySegment x, float[] bias, MemorySegment y, boolean relu, boolean accumulate) {
        long work = 16L * m * c * tiles;
        long inPlane = (long) g.in()[1] * g.in()[2];
        long outPlane = (long) g.out()[1] * g.out()[2];
        for (int n = 0; n < g.batch(); n++) {
            long xOff = n * c * inPlane;
            long yOff = n * m * outPlane;
            Parallel.forRange(tiles, block, work, (from, to) -> {
                for (int t0 = from; t0 < to; t0 += block) {
                    runBlock(x, xOff, y, yOff, bias, relu, accumulate, t0, Math.min(block, to - t0));
                }
            }, x, y);
        }
    }

    /** Tiles {@code [t0, t0 + nt)} of one image (row-major over the output's 2x2 blocks): transform, 16 GEMMs, back. */
    private void runBlock(MemorySegment x, long xOff, MemorySegment y, long yOff, float[] bias, boolean relu,
                    boolean accumulate, int t0, int nt) {
        int vStride = planeStride(c * nt);
        int mStride = planeStride(m * nt);
        MemorySegment v = BLOCK.bytes(0, 4L * 16 * vStride);
        MemorySegment mm = BLOCK.bytes(1, 4L * 16 * mStride);
        int firstRow = t0 / tilesWide;
        int rowCount = (t0 + nt - 1) / tilesWide - firstRow + 1;
        float[] staged = SCRATCH.floats(0, (2L * rowCount + 2) * 2 * phase);
        float[] rows = SCRATCH.floats(1, Math.max(8L * phase, 4L * (nt + L)));
        float[] line = SCRATCH.floats(2, 2L * (tilesWide + 1) + 2 * L);
        for (int ic = 0; ic < c; ic++) {
            stage(x, xOff + ic * (long) g.in()[1] * g.in()[2], 2 * firstRow - g.padBegin()[1], 2 * rowCount + 2, staged, line);
            for (int ty = firstRow; ty < firstRow + rowCount; ty++) {
                int a = Math.max(t0, ty * tilesWide) - ty * tilesWide;
                int b = Math.min(t0 + nt, (ty + 1) * tilesWide) - ty * tilesWide;
                transformInput(staged, 2 * (ty - firstRow), rows, a, b, v, ic * nt + ty * tilesWide + a - t0, vStride);
            }
        }
        // With fewer blocks than threads (ResNet's 7x7 maps are one block) the 16 GEMMs are what gets split;
        // otherwise blocks already run on every thread and this runs inline.
        Parallel.forRange(16, 1, (tiles + block - 1) / block < Parallel.threads() ? 16L * m * c * nt : 0, (e0, e1) -> {
            PlanePanels panels = PANELS.get();
            panels.v = v;
            panels.ld = nt;
            for (int e = e0; e < e1; e++) {
                panels.offset = (long) e * vStride;
                Sgemm.sgemm(u[e], nt, panels, mm, (long) e * mStride, nt, null, 0, false, false);
            }
        }, v, mm);
        float[] out = SCRATCH.floats(1, 4L * (nt + L));
        for (int oc = 0; oc < m; oc++) {
            transformOutput(mm, oc * nt, mStride, bias == null ? 0f : bias[oc], out, nt);
            long plane = yOff + oc * (long) g.out()[1] * g.out()[2];
            for (int ty = firstRow; ty < firstRow + rowCount; ty++) {
                int a = Math.max(t0, ty * tilesWide) - ty * tilesWide;
                int b = Math.min(t0 + nt, (ty + 1) * tilesWide) - ty * tilesWide;
                store(out, nt + L, ty * tilesWide + a - t0, y, plane, ty, a, b, relu, accumulate);
            }
        }
    }

    /**
     * The distance between two of the 16 planes of V or M holding {@code size} floats each: a multiple of 4 KB plus a
     * cache line, and at least a vector more than the size (the output transform's loads run past a plane's end). At
     * a multiple of 4 KB the 16 streams of a transform would all fall into the same sets of the L1 cache.
     */
    private static int planeStride(int size) {
        return (size + L + 1023) / 1024 * 1024 + 16;
    }

    /**
     * Copies input rows {@code y0 .. y0 + count} of one channel plane into {@code staged}, zero outside the image,
     * each row split into its even and odd columns (counted from the left padding): column {@code 2i + p} of the
     * padded row goes to {@code staged[(2 * row + p) * phase + i]}. Tile tx then reads its four columns at i = tx and
     * tx + 1 of both halves, so consecutive tiles read consecutive floats.
     */
    private void stage(MemorySegment x, long plane, int y0, int count, float[] staged, float[] line) {
        int h = g.in()[1];
        int w = g.in()[2];
        int left = g.padBegin()[2];
        int length = 2 * (tilesWide + 1) + 2 * L;
        // The input columns that some tile reads (all of them unless the trailing pad is negative).
        int copied = Math.min(w, 2 * (tilesWide + 1) - left);
        Arrays.fill(line, 0, left, 0f);
        Arrays.fill(line, left + copied, length, 0f);
        for (int r = 0; r < count; r++) {
            int yy = y0 + r;
            int even = 2 * r * phase;
            int odd = even + phase;
            if (yy < 0 || yy >= h) {
                Arrays.fill(staged, even, odd + phase, 0f);
                continue;
            }
            MemorySegment.copy(x, F, (plane + (long) yy * w) * 4, line, left, copied);
            for (int i = 0; i <= tilesWide; i += L) {
                FloatVector v0 = FloatVector.fromArray(S, line, 2 * i);
                FloatVector v1 = FloatVector.fromArray(S, line, 2 * i + L);
                v0.rearrange(Interleave.EVEN, v1).intoArray(staged, even + i);
                v0.rearrange(Interleave.ODD, v1).intoArray(staged, odd + i);
            }
        }
    }

    /**
     * {@code v[e * stride + at + tx - a] = (B^T d B)[e]} for the tiles tx in [a, b) of one tile row, whose input rows
     * start at staged row {@code r0}; with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. {@code rows} is scratch.
     */
    private void transformInput(float[] staged, int r0, float[] rows, int a, int b, MemorySegment v, int at, int stride) {
        // Columns first, on whole staged rows (both halves): rows[2r + p] = (B^T d)[r].
        for (int p = 0; p < 2; p++) {
            int d0 = (2 * r0 + p) * phase;
            int d1 = d0 + 2 * phase;
            int d2 = d1 + 2 * phase;
            int d3 = d2 + 2 * phase;
            for (int i = a; i <= b; i += L) {
                FloatVector x0 = FloatVector.fromArray(S, staged, d0 + i);
                FloatVector x1 = FloatVector.fromArray(S, staged, d1 + i);
                FloatVector x2 = FloatVector.fromArray(S, staged, d2 + i);
                FloatVector x3 = FloatVector.fromArray(S, staged, d3 + i);
                x0.sub(x2).intoArray(rows, p * phase + i);
                x1.add(x2).intoArray(rows, (2 + p) * phase + i);
                x2.sub(x1).intoArray(rows, (4 + p) * phase + i);
                x1.sub(x3).intoArray(rows, (6 + p) * phase + i);
            }
        }
        // Then each row times B: columns 2tx .. 2tx + 3 are even[tx], odd[tx], even[tx + 1], odd[tx + 1].
        for (int r = 0; r < 4; r++) {
            int even = 2 * r * phase;
            int odd = even + phase;
            int out = 4 * r * stride + at - a;
            int tx = a;
            for (; tx + L <= b; tx += L) {
                FloatVector e0 = FloatVector.fromArray(S, rows, even + tx);
                FloatVector e1 = FloatVector.fromArray(S, rows, even + tx + 1);
                FloatVector o0 = FloatVector.fromArray(S, rows, odd + tx);
                FloatVector o1 = FloatVector.fromArray(S, rows, odd + tx + 1);
                long to = 4L * (out + tx);
                e0.sub(e1).intoMemorySegment(v, to, NATIVE);
                o0.add(e1).intoMemorySegment(v, to + 4L * stride, NATIVE);
                e1.sub(o0).intoMemorySegment(v, to + 8L * stride, NATIVE);
                o0.sub(o1).intoMemorySegment(v, to + 12L * stride, NATIVE);
            }
            for (; tx < b; tx++) {
                float e0 = rows[even + tx], e1 = rows[even + tx + 1], o0 = rows[odd + tx], o1 = rows[odd + tx + 1];
                v.setAtIndex(F, out + tx, e0 - e1);
                v.setAtIndex(F, out + stride + tx, o0 + e1);
                v.setAtIndex(F, out + 2 * stride + tx, e1 - o0);
                v.setAtIndex(F, out + 3 * stride + tx, o0 - o1);
            }
        }
    }

    /**
     * The 2x2 output blocks {@code A^T M A + add} of tiles j in [0, nt), with A^T = [1 1 1 0; 0 1 -1 -1] and M's 16
     * entries of tile j at {@code mm[e * stride + at + j]}: top left, top right, bottom left and bottom right go to
     * {@code out[k * span + j]}, k = 0..3, span being nt plus a vector of slack.
     */
    private static void transformOutput(MemorySegment mm, int at, int stride, float add, float[] out, int nt) {
        int span = nt + L;
        for (int j = 0; j < nt; j += L) {
            int i = at + j;
            // Column q of s = A^T M is (m0q + m1q + m2q, m1q - m2q - m3q); then left = s0 + s1 + s2, right = s1 - s2 - s3.
            FloatVector topLeft = FloatVector.broadcast(S, add);
            FloatVector topRight = topLeft;
            FloatVector bottomLeft = topLeft;
            FloatVector bottomRight = topLeft;
            for (int q = 0; q < 4; q++) {
                long from = 4L * (i + q * stride);
                FloatVector m0 = FloatVector.fromMemorySegment(S, mm, from, NATIVE);
                FloatVector m1 = FloatVector.fromMemorySegment(S, mm, from + 16L * stride, NATIVE);
                FloatVector m2 = FloatVector.fromMemorySegment(S, mm, from + 32L * stride, NATIVE);
                FloatVector m3 = FloatVector.fromMemorySegment(S, mm, from + 48L * stride, NATIVE);
                FloatVector top = m0.add(m1).add(m2);
                FloatVector bottom = m1.sub(m2).sub(m3);
                if (q < 3) {
                    topLeft = topLeft.add(top);
                    bottomLeft = bottomLeft.add(bottom);
                }
                if (q == 1) {
                    topRight = topRight.add(top);
                    bottomRight = bottomRight.add(bottom);
                } else if (q > 1) {
                    topRight = topRight.sub(top);
                    bottomRight = bottomRight.sub(bottom);
                }
            }
            topLeft.intoArray(out, j);
            topRight.intoArray(out, span + j);
            bottomLeft.intoArray(out, 2 * span + j);
            bottomRight.intoArray(out, 3 * span + j);
        }
    }

    /**
     * Writes the output blocks of tiles [a, b) of tile row ty (at {@code j0 + tx - a} in {@code out}) into the output
     * plane, plus what it holds when accumulating, then the Relu; left and right outputs are interleaved with shuffles.
     */
    private void store(float[] out, int span, int j0, MemorySegment y, long plane, int ty, int a, int b, boolean relu,
                    boolean accumulate) {
        int oh = g.out()[1];
        int ow = g.out()[2];
        int count = Math.min(2 * (b - a), ow - 2 * a);
        for (int dy = 0; dy < 2 && 2 * ty + dy < oh; dy++) {
            int left = 2 * dy * span + j0;
            int right = left + span;
            long at = (plane + (long) (2 * ty + dy) * ow + 2 * a) * 4;
            // Whole vectors of output, the last ones masked; out has a vector of slack to load from.
            for (int k = 0; 2 * k < count; k += L) {
                FloatVector l = FloatVector.fromArray(S, out, left + k);
                FloatVector r = FloatVector.fromArray(S, out, right + k);
                long lowAt = at + 8L * k;
                long highAt = lowAt + 4L * L;
                VectorMask<Float> lowMask = S.indexInRange(2 * k, count);
                VectorMask<Float> highMask = S.indexInRange(2 * k + L, count);
                FloatVector low = l.rearrange(Interleave.ZIP_LOW, r);
                FloatVector high = l.rearrange(Interleave.ZIP_HIGH, r);
                if (accumulate) {
                    low = low.add(FloatVector.fromMemorySegment(S, y, lowAt, NATIVE, lowMask));
                    high = high.add(FloatVector.fromMemorySegment(S, y, highAt, NATIVE, highMask));
                }
                (relu ? low.max(0f) : low).intoMemorySegment(y, lowAt, NATIVE, lowMask);
                (relu ? high.max(0f) : high).intoMemorySegment(y, highAt, NATIVE, highMask);
            }
        }
    }

    /** The panels of one plane of V, a C x nt matrix. */
    private static final class PlanePanels implements Sgemm.PanelSource {
        MemorySegment v;
        long offset;
        int ld;

        @Override
        public void pack(int pc, int kc, int jc, int nc, float[] bp) {
            Sgemm.packMatrix(v, offset, ld, pc, kc, jc, nc, bp);
        }
    }
}
