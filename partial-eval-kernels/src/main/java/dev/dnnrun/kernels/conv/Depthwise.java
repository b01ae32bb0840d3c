package dev.dnnrun.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

import dev.dnnrun.kernels.Parallel;
import dev.dnnrun.kernels.Scratch;
import dev.dnnrun.kernels.conv.ConvKernels.Geometry;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Depthwise 2-D convolution (one input channel per group, channel multiplier {@code mg}) as a direct loop, where a
 * GEMM would have a single row; prepared once per geometry with a copy of the weights.
 *
 * <p>Each input plane is first copied into a zero-bordered buffer covering every position a tap reads, with each row
 * split into {@code stride} phases (columns q with the same q % stride side by side), so that for every tap the
 * inputs of consecutive output columns are consecutive floats: whole-vector loads, no bounds checks, for any stride.
 * The borders sit at the same places for every plane, so a call zeroes its buffer once and each plane writes only its
 * input positions; the buffer ends with a vector's slack, so that the last block of a row loads whole vectors too
 * (lanes past the row are computed and dropped). Mobile networks run these on planes of a few dozen floats, where
 * per-plane fills and masked loads had cost more than the taps. Channels are split over threads.
 */
final class Depthwise {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Per thread: the padded plane, the staged input plane, one vector of output. */
    private static final Scratch SCRATCH = new Scratch(3);

    private final Geometry g;
    /** The weights [M, kh, kw]. */
    private final float[] w;
    private final int mg;
    /** Rows and columns of the padded plane; floats per phase of a row, and per row. */
    private final int rows;
    private final int cols;
    private final int phaseLength;
    private final int rowLength;
    /** Floats of the padded plane, with the slack. */
    private final int bufferLength;
    /** Per horizontal tap kx, the position within a row of the input read by output column 0. */
    private final int[] tapColumn;
    /** Per padded column q, its position within a row. */
    private final int[] columnAt;

    Depthwise(Geometry g, MemorySegment weights) {
        this.g = g;
        this.w = new float[Math.toIntExact((long) g.outChannels() * g.kernel()[1] * g.kernel()[2])];
        MemorySegment.copy(weights, F, 0, w, 0, w.length);
        this.mg = g.outChannels() / g.group();
        int stride = g.stride()[2];
        rows = (g.out()[1] - 1) * g.stride()[1] + (g.kernel()[1] - 1) * g.dilation()[1] + 1;
        cols = (g.out()[2] - 1) * stride + (g.kernel()[2] - 1) * g.dilation()[2] + 1;
        phaseLength = (cols + stride - 1) / stride;
        rowLength = stride * phaseLength;
        bufferLength = Math.addExact(Math.multiplyExact(rows, rowLength), g.out()[2] + S.length());
        columnAt = new int[cols];
        for (int q = 0; q < cols; q++) {
            columnAt[q] = (q % stride) * phaseLength + q / stride;
        }
        tapColumn = new int[g.kernel()[2]];
        for (int kx = 0; kx < tapColumn.length; kx++) {
            tapColumn[kx] = columnAt[kx * g.dilation()[2]];
        }
    }

    /** Whether {@link ConvKernels#conv} runs geometry {@code g} here: one input channel per group, 2-D. */
    static boolean applies(Geometry g) {
        return g.channels() / g.group() == 1 && g.group() > 1 && g.in()[0] == 1 && g.kernel()[0] == 1;
    }

    /** {@code y = conv(x) + bias} (bias may be null); with {@code accumulate} added to what y holds; then the Relu. */
    void run(MemorySegment x, float[] bias, MemorySegment y, boolean relu, boolean accumulate) {
        long work = (long) g.outChannels() * g.out()[1] * g.out()[2] * g.kernel()[1] * g.kernel()[2];
        for (int n = 0; n < g.batch(); n++) {
            int batch = n;
            Parallel.forRange(g.outChannels(), 1, work, (from, to) -> {
                float[] buffer = SCRATCH.floats(0, bufferLength), staged = SCRATCH.floats(1, (long) g.in()[1] * g.in()[2]);
                float[] out = SCRATCH.floats(2, S.length());
                Arrays.fill(buffer, 0, bufferLength, 0f);
                int filledFor = -1;
                for (int m = from; m < to; m++) {
                    if (m / mg != filledFor) {
                        filledFor = m / mg;
                        fill(x, batch, filledFor, buffer, staged);
                    }
                    plane(bias, y, relu, accumulate, batch, m, buffer, out);
                }
            }, x, y);
        }
    }

    /**
     * Writes plane (n, c)'s input positions of {@code buffer} (its borders stay zero), reading the plane in one copy
     * into {@code staged}.
     */
    private void fill(MemorySegment x, int n, int c, float[] buffer, float[] staged) {
        int ih = g.in()[1], iw = g.in()[2];
        int ph = g.padBegin()[1], pw = g.padBegin()[2];
        MemorySegment.copy(x, F, ((long) n * g.channels() + c) * ih * iw * 4, staged, 0, ih * iw);
        int q0 = Math.max(0, pw), q1 = Math.min(cols, iw + pw); // padded columns that hold input columns
        int r0 = Math.max(0, ph), r1 = Math.min(rows, ih + ph); // padded rows that hold input rows
        boolean phased = g.stride()[2] > 1;
        if (q1 <= q0) {
            return; // the taps read only padding
        }
        for (int r = r0; r < r1; r++) {
            int from = (r - ph) * iw - pw, to = r * rowLength;
            if (!phased) {
                System.arraycopy(staged, from + q0, buffer, to + q0, q1 - q0);
                continue;
            }
            for (int q = q0; q < q1; q++) {
                buffer[to + columnAt[q]] = staged[from + q];
            }
        }
    }

    /**
     * One output plane, two rows at a time, per block of columns: all taps accumulate in two registers (two
     * independent FMA chains) and each block is stored once. An odd last row is computed twice and stored once.
     */
    private void plane(float[] bias, MemorySegment y, boolean relu, boolean accumulate, int n, int m, float[] buffer, float[] out) {
        int kh = g.kernel()[1], kw = g.kernel()[2];
        int oh = g.out()[1], ow = g.out()[2];
        int sh = g.stride()[1], dh = g.dilation()[1];
        int lanes = S.length();
        long yPlane = ((long) n * g.outChannels() + m) * oh * ow;
        FloatVector bias0 = FloatVector.broadcast(S, bias == null ? 0f : bias[m]);
        int wAt = m * kh * kw;
        for (int oy = 0; oy < oh; oy += 2) {
            int oy1 = Math.min(oy + 1, oh - 1);
            boolean second = oy + 1 < oh;
            for (int ox = 0; ox < ow; ox += lanes) {
                FloatVector sum0 = bias0, sum1 = bias0;
                for (int ky = 0; ky < kh; ky++) {
                    int row0 = (oy * sh + ky * dh) * rowLength + ox, row1 = (oy1 * sh + ky * dh) * rowLength + ox;
                    for (int kx = 0; kx < kw; kx++) {
                        FloatVector wv = FloatVector.broadcast(S, w[wAt + ky * kw + kx]);
                        sum0 = FloatVector.fromArray(S, buffer, row0 + tapColumn[kx]).fma(wv, sum0);
                        sum1 = FloatVector.fromArray(S, buffer, row1 + tapColumn[kx]).fma(wv, sum1);
                    }
                }
                long at0 = (yPlane + (long) oy * ow + ox) * 4, at1 = at0 + (long) ow * 4;
                int count = ow - ox;
                if (count >= lanes) { // whole vectors straight to y
                    if (accumulate) {
                        sum0 = sum0.add(FloatVector.fromMemorySegment(S, y, at0, NATIVE));
                        sum1 = second ? sum1.add(FloatVector.fromMemorySegment(S, y, at1, NATIVE)) : sum1;
                    }
                    (relu ? sum0.max(0f) : sum0).intoMemorySegment(y, at0, NATIVE);
                    if (second) {
                        (relu ? sum1.max(0f) : sum1).intoMemorySegment(y, at1, NATIVE);
                    }
                    continue;
                }
                // The row's last, partial block, through {@code out}.
                if (accumulate) {
                    MemorySegment.copy(y, F, at0, out, 0, count);
                    sum0 = sum0.add(FloatVector.fromArray(S, out, 0));
                }
                (relu ? sum0.max(0f) : sum0).intoArray(out, 0);
                MemorySegment.copy(out, 0, y, F, at0, count);
                if (second) {
                    if (accumulate) {
                        MemorySegment.copy(y, F, at1, out, 0, count);
                        sum1 = sum1.add(FloatVector.fromArray(S, out, 0));
                    }
                    (relu ? sum1.max(0f) : sum1).intoArray(out, 0);
                    MemorySegment.copy(out, 0, y, F, at1, count);
                }
            }
        }
    }
}
