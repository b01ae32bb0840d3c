package dev.dnnrun.kernels.pool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

import dev.dnnrun.kernels.Interleave;
import dev.dnnrun.kernels.Parallel;
import dev.dnnrun.kernels.Scratch;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 pooling over NC + up to 3 spatial dims; 1-D and 2-D problems are passed as 3-D ones with leading
 * extents of 1 (kernel 1, stride 1, pad 0, dilation 1). Arrays of length 3 are (depth, height, width).
 */
public final class PoolKernels {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfLong J = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Per thread: the reduced input row, the bordered phase line and the output row of {@link #separable2d}. */
    private static final Scratch BUFFERS = new Scratch(3);

    private PoolKernels() {
    }

    /** Pooling window geometry. {@code padEnd} bounds the region counted by count_include_pad. */
    public record Window(int planes, int[] in, int[] kernel, int[] out, int[] stride, int[] padBegin, int[] padEnd,
                    int[] dilation) {
    }

    /**
     * Max pooling. When {@code indices} is not null it receives, per output, the flat index of the maximum in the
     * whole input (row-major, or with the last two spatial axes swapped when {@code columnMajor}).
     */
    public static void maxPool(Window w, MemorySegment x, MemorySegment y, MemorySegment indices, boolean columnMajor) {
        if (indices == null && isSame3x3(w)) {
            maxPool3x3Same(w, x, y);
            return;
        }
        if (indices == null && isPlanar(w)) {
            separable2d(w, x, y, true, false);
            return;
        }
        int[] in = w.in(), k = w.kernel(), out = w.out(), s = w.stride(), p = w.padBegin(), dl = w.dilation();
        long inVol = (long) in[0] * in[1] * in[2];
        long o = 0;
        for (int plane = 0; plane < w.planes(); plane++) {
            long base = plane * inVol;
            for (int od = 0; od < out[0]; od++) {
                for (int oh = 0; oh < out[1]; oh++) {
                    for (int ow = 0; ow < out[2]; ow++, o++) {
                        float best = Float.NEGATIVE_INFINITY;
                        long bestAt = -1;
                        for (int kd = 0; kd < k[0]; kd++) {
                            int id = od * s[0] - p[0] + kd * dl[0];
                            if (id < 0 || id >= in[0]) {
                                continue;
                            }
                            for (int kh = 0; kh < k[1]; kh++) {
                                int ih = oh * s[1] - p[1] + kh * dl[1];
                                if (ih < 0 || ih >= in[1]) {
                                    continue;
                                }
                                long row = base + ((long) id * in[1] + ih) * in[2];
                                for (int kw = 0; kw < k[2]; kw++) {
                                    int iw = ow * s[2] - p[2] + kw * dl[2];
                                    if (iw >= 0 && iw < in[2]) {
                                        float v = x.getAtIndex(F, row + iw);
                                        if (v > best || bestAt < 0) {
                                            best = v;
                                            bestAt = columnMajor
                                                            ? base + ((long) id * in[2] + iw) * in[1] + ih
                                                            : row + iw;
                                        }
                                    }
                                }
                            }
                        }
                        y.setAtIndex(F, o, best);
                        if (indices != null) {
                            indices.setAtIndex(J, o, Math.max(bestAt, 0));
                        }
                    }
                }
            }
        }
    }

    /**
     * Average pooling. With {@code countIncludePad} the divisor counts window positions inside the padded input
     * (clipped to padEnd), otherwise only positions inside the input.
     */
    public static void averagePool(Window w, MemorySegment x, MemorySegment y, boolean countIncludePad) {
        if (isPlanar(w)) {
            separable2d(w, x, y, false, countIncludePad);
            return;
        }
        int[] in = w.in(), k = w.kernel(), out = w.out(), s = w.stride(), p = w.padBegin(), pe = w.padEnd();
        int[] dl = w.dilation();
        long inVol = (long) in[0] * in[1] * in[2];
        long o = 0;
        for (int plane = 0; plane < w.planes(); plane++) {
            long base = plane * inVol;
            for (int od = 0; od < out[0]; od++) {
                for (int oh = 0; oh < out[1]; oh++) {
                    for (int ow = 0; ow < out[2]; ow++, o++) {
                        float sum = 0f;
                        int inside = 0;
                        int padded = 0;
                        for (int kd = 0; kd < k[0]; kd++) {
                            int id = od * s[0] - p[0] + kd * dl[0];
                            if (id >= in[0] + pe[0]) {
                                continue;
                            }
                            boolean dOk = id >= 0 && id < in[0];
                            for (int kh = 0; kh < k[1]; kh++) {
                                int ih = oh * s[1] - p[1] + kh * dl[1];
                                if (ih >= in[1] + pe[1]) {
                                    continue;
                                }
                                boolean hOk = dOk && ih >= 0 && ih < in[1];
                                long row = base + ((long) id * in[1] + ih) * in[2];
                                for (int kw = 0; kw < k[2]; kw++) {
                                    int iw = ow * s[2] - p[2] + kw * dl[2];
                                    if (iw >= in[2] + pe[2]) {
                                        continue;
                                    }
                                    padded++;
                                    if (hOk && iw >= 0 && iw < in[2]) {
                                        sum += x.getAtIndex(F, row + iw);
                                        inside++;
                                    }
                                }
                            }
                        }
                        int count = countIncludePad ? padded : inside;
                        y.setAtIndex(F, o, count == 0 ? 0f : sum / count);
                    }
                }
            }
        }
    }

    /** A 2-D 3x3 window, stride 1, one padding on every side: output planes have the input planes' size. */
    private static boolean isSame3x3(Window w) {
        return isPlanar(w) && w.in()[1] >= 2 && w.in()[2] >= 2 && Arrays.equals(w.kernel(), new int[]{1, 3, 3})
                        && Arrays.equals(w.stride(), new int[]{1, 1, 1}) && Arrays.equals(w.padBegin(), new int[]{0, 1, 1})
                        && Arrays.equals(w.padEnd(), new int[]{0, 1, 1}) && Arrays.equals(w.dilation(), new int[]{1, 1, 1})
                        && Arrays.equals(w.out(), w.in());
    }

    /**
     * 3x3 max pooling with stride 1 and padding 1 (Inception's branch pools), as two vector passes over each whole
     * plane taken flat: the row-wise maxima of three neighbours (the first and last column of each row fixed up so
     * they do not reach into the next row), then the maxima of three rows. The separable path's per-row bookkeeping
     * cost 5-15 ns per element on the 7x7 to 28x28 planes of Inception v1.
     */
    private static void maxPool3x3Same(Window w, MemorySegment x, MemorySegment y) {
        int h = w.in()[1], wd = w.in()[2];
        int size = h * wd;
        int vl = S.length();
        Parallel.forRange(w.planes(), 1, 16L * 9 * w.planes() * size, (fromPlane, toPlane) -> {
            // p: the plane with one -inf before and after it, so that x[i - 1] and x[i + 1] are always readable.
            float[] p = BUFFERS.floats(0, size + 2 + vl);
            float[] rowMax = BUFFERS.floats(1, size + vl);
            p[0] = Float.NEGATIVE_INFINITY;
            p[size + 1] = Float.NEGATIVE_INFINITY;
            int vecEnd = S.loopBound(size);
            for (int plane = fromPlane; plane < toPlane; plane++) {
                long at = (long) plane * size * 4;
                MemorySegment.copy(x, F, at, p, 1, size);
                int i = 0;
                for (; i < vecEnd; i += vl) {
                    FloatVector.fromArray(S, p, i).max(FloatVector.fromArray(S, p, i + 1)).max(FloatVector.fromArray(S, p, i + 2))
                                    .intoArray(rowMax, i);
                }
                for (; i < size; i++) {
                    rowMax[i] = Math.max(p[i], Math.max(p[i + 1], p[i + 2]));
                }
                for (int r = 0; r < size; r += wd) {
                    rowMax[r] = Math.max(p[r + 1], p[r + 2]);
                    rowMax[r + wd - 1] = Math.max(p[r + wd - 1], p[r + wd]);
                }
                maxOfRows(rowMax, 0, wd, 0, wd, y, at); // first row: itself and the one below
                maxOfRows(rowMax, wd, size - wd, -wd, wd, y, at);
                maxOfRows(rowMax, size - wd, size, -wd, 0, y, at); // last row: the one above and itself
            }
        }, x, y);
    }

    /** {@code y[i] = max(m[i + up], m[i], m[i + down])} for i in [from, to), written at byte {@code at} of y. */
    private static void maxOfRows(float[] m, int from, int to, int up, int down, MemorySegment y, long at) {
        int i = from;
        for (; i + S.length() <= to; i += S.length()) {
            FloatVector.fromArray(S, m, i + up).max(FloatVector.fromArray(S, m, i)).max(FloatVector.fromArray(S, m, i + down))
                            .intoMemorySegment(y, at + 4L * i, NATIVE);
        }
        for (; i < to; i++) {
            y.set(F, at + 4L * i, Math.max(m[i + up], Math.max(m[i], m[i + down])));
        }
    }

    /** 1-D and 2-D windows: no pooling along the (unit) depth axis. */
    private static boolean isPlanar(Window w) {
        return w.in()[0] == 1 && w.kernel()[0] == 1 && w.out()[0] == 1 && w.padBegin()[0] == 0;
    }

    /**
     * 2-D max or average pooling done as two separable passes per output row: first the kernel rows that fall
     * inside the input are reduced element-wise into one input-wide row (contiguous, vectorised), then each output
     * takes the reduction of its columns of that row (vectorised over outputs; columns outside the input hold the
     * empty value, -inf or 0). A box window's in-range count is the product of its
     * in-range row and column counts (likewise for the padded count), so averages need no per-element bookkeeping.
     */
    private static void separable2d(Window w, MemorySegment x, MemorySegment y, boolean max, boolean countIncludePad) {
        int ih = w.in()[1], iw = w.in()[2];
        int kh = w.kernel()[1], kw = w.kernel()[2];
        int oh = w.out()[1], ow = w.out()[2];
        int sh = w.stride()[1], sw = w.stride()[2];
        int ph = w.padBegin()[1], pw = w.padBegin()[2];
        int eh = w.padEnd()[1], ew = w.padEnd()[2];
        int dh = w.dilation()[1], dw = w.dilation()[2];
        float empty = max ? Float.NEGATIVE_INFINITY : 0f;
        // Per output column: count of in-range taps, and the divisor's column factor.
        int[] colTaps = new int[ow];
        int[] colPadded = new int[ow];
        for (int o = 0; o < ow; o++) {
            int first = o * sw - pw;
            int taps = 0, padded = 0;
            for (int k = 0; k < kw; k++) {
                int c = first + k * dw;
                if (c < iw + ew) {
                    padded++;
                }
                if (c >= 0 && c < iw) {
                    taps++;
                }
            }
            colTaps[o] = taps;
            colPadded[o] = padded;
        }
        // The column pass reads a copy of the reduced row, bordered with the empty value and split into stride
        // phases (columns q with the same q % stride side by side), so that the taps of consecutive outputs are
        // consecutive floats: out[o] = reduce over t of line[tap[t] + o].
        int cols = (ow - 1) * sw + (kw - 1) * dw + 1;
        int phaseLength = (cols + sw - 1) / sw;
        int lineLength = sw * phaseLength + S.length();
        int[] tap = new int[kw];
        for (int t = 0; t < kw; t++) {
            int q = t * dw;
            tap[t] = (q % sw) * phaseLength + q / sw;
        }
        // Per phase, the line positions that hold input columns: [phaseAt, phaseAt + phaseCount) takes row[phaseFrom],
        // row[phaseFrom + sw], ...; the rest of the line is border, filled with the empty value once per chunk.
        int[] phaseAt = new int[sw];
        int[] phaseFrom = new int[sw];
        int[] phaseCount = new int[sw];
        for (int phase = 0; phase < sw; phase++) {
            int first = phase; // first q of this phase with c = q - pw >= 0
            while (first < cols && first - pw < 0) {
                first += sw;
            }
            int count = 0;
            for (int q = first; q < cols && q - pw < iw; q += sw) {
                count++;
            }
            phaseAt[phase] = phase * phaseLength + (first - phase) / sw;
            phaseFrom[phase] = first - pw;
            phaseCount[phase] = count;
        }
        // Planes are independent: split them over threads, each with its own row buffers. A window tap costs about
        // what 16 GEMM multiply-adds do (0.4 against 0.025 ns measured), which is the unit of Parallel's threshold.
        long work = 16L * w.planes() * oh * ow * kh * kw;
        Parallel.forRange(w.planes(), 1, work, (fromPlane, toPlane) -> {
            float[] row = BUFFERS.floats(0, iw + 2L * S.length());
            float[] line = BUFFERS.floats(1, lineLength);
            float[] out = BUFFERS.floats(2, ow + S.length());
            Arrays.fill(line, 0, lineLength, empty); // the slack past the last phase is read by the last vector
            for (int plane = fromPlane; plane < toPlane; plane++) {
                long base = (long) plane * ih * iw;
                long yAt = (long) plane * oh * ow;
                for (int r = 0; r < oh; r++, yAt += ow) {
                    int rows = 0, paddedRows = 0;
                    for (int k = 0; k < kh; k++) {
                        int src = r * sh - ph + k * dh;
                        if (src < ih + eh) {
                            paddedRows++;
                        }
                        if (src < 0 || src >= ih) {
                            continue;
                        }
                        long at = (base + (long) src * iw) * 4;
                        if (rows == 0) {
                            MemorySegment.copy(x, F, at, row, 0, iw);
                        } else {
                            reduceInto(row, x, at, iw, max);
                        }
                        rows++;
                    }
                    if (rows == 0) {
                        Arrays.fill(row, 0, iw, empty);
                    }
                    if (sw == 1) {
                        System.arraycopy(row, phaseFrom[0], line, phaseAt[0], phaseCount[0]);
                    } else {
                        for (int phase = 0; phase < sw; phase++) {
                            int to = phaseAt[phase];
                            int from = phaseFrom[phase];
                            int n = phaseCount[phase];
                            int t = sw == 2 ? everyOther(row, from, line, to, n) : 0;
                            for (; t < n; t++) {
                                line[to + t] = row[from + t * sw];
                            }
                        }
                    }
                    reduceTaps(line, tap, kw, out, ow, max);
                    if (!max) {
                        for (int o = 0; o < ow; o++) {
                            int count = countIncludePad ? paddedRows * colPadded[o] : rows * colTaps[o];
                            out[o] = count == 0 ? 0f : out[o] / count;
                        }
                    }
                    MemorySegment.copy(out, 0, y, F, yAt * 4, ow);
                }
            }
        }, x, y);
    }

    // The vector loops of separable2d as small methods: invoked per row, they reach the JIT's thresholds after a few
    // hundred rows, where a loop inside the per-plane lambda ran tens of thousands of interpreted iterations first.

    /** {@code row[i] = max(row[i], x[i])} (or the sum) for i in [0, n), x read from byte {@code at}. */
    private static void reduceInto(float[] row, MemorySegment x, long at, int n, boolean max) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += S.length()) {
            FloatVector a = FloatVector.fromArray(S, row, i);
            FloatVector b = FloatVector.fromMemorySegment(S, x, at + 4L * i, NATIVE);
            (max ? a.max(b) : a.add(b)).intoArray(row, i);
        }
        for (; i < n; i++) {
            float b = x.get(F, at + 4L * i);
            row[i] = max ? Math.max(row[i], b) : row[i] + b;
        }
    }

    /**
     * {@code line[to + t] = row[from + 2t]} for whole vectors of t (two vectors of row at once; the row has two vectors
     * of slack); returns how many were copied.
     */
    private static int everyOther(float[] row, int from, float[] line, int to, int n) {
        int t = 0;
        for (; t + S.length() <= n; t += S.length()) {
            FloatVector a = FloatVector.fromArray(S, row, from + 2 * t);
            FloatVector b = FloatVector.fromArray(S, row, from + 2 * t + S.length());
            a.rearrange(Interleave.EVEN, b).intoArray(line, to + t);
        }
        return t;
    }

    /** {@code out[o] = reduce over t of line[tap[t] + o]} for o in [0, ow), whole vectors (out and line have slack). */
    private static void reduceTaps(float[] line, int[] tap, int kw, float[] out, int ow, boolean max) {
        for (int o = 0; o < ow; o += S.length()) {
            FloatVector acc = FloatVector.fromArray(S, line, tap[0] + o);
            for (int t = 1; t < kw; t++) {
                FloatVector v = FloatVector.fromArray(S, line, tap[t] + o);
                acc = max ? acc.max(v) : acc.add(v);
            }
            acc.intoArray(out, o);
        }
    }

    /** Global average (or max) over each of {@code planes} contiguous planes of {@code size} elements. */
    public static void globalPool(MemorySegment x, MemorySegment y, int planes, long size, boolean max) {
        for (int plane = 0; plane < planes; plane++) {
            long base = plane * size;
            if (max) {
                float m = Float.NEGATIVE_INFINITY;
                for (long i = 0; i < size; i++) {
                    m = Math.max(m, x.getAtIndex(F, base + i));
                }
                y.setAtIndex(F, plane, m);
            } else {
                double sum = 0;
                for (long i = 0; i < size; i++) {
                    sum += x.getAtIndex(F, base + i);
                }
                y.setAtIndex(F, plane, (float) (sum / size));
            }
        }
    }

    /**
     * Generic-path max pooling over doubles (float64, float16, int8 and uint8 values are all exact as doubles).
     * Same window semantics and index convention as the float32 version; {@code indices} may be null.
     */
    public static void maxPool(Window w, double[] x, double[] y, long[] indices, boolean columnMajor) {
        int[] in = w.in(), k = w.kernel(), out = w.out(), s = w.stride(), p = w.padBegin(), dl = w.dilation();
        int inVol = in[0] * in[1] * in[2];
        int o = 0;
        for (int plane = 0; plane < w.planes(); plane++) {
            int base = plane * inVol;
            for (int od = 0; od < out[0]; od++) {
                for (int oh = 0; oh < out[1]; oh++) {
                    for (int ow = 0; ow < out[2]; ow++, o++) {
                        double best = Double.NEGATIVE_INFINITY;
                        int bestAt = -1;
                        for (int kd = 0; kd < k[0]; kd++) {
                            int id = od * s[0] - p[0] + kd * dl[0];
                            for (int kh = 0; kh < k[1]; kh++) {
                                int ih = oh * s[1] - p[1] + kh * dl[1];
                                for (int kw = 0; kw < k[2]; kw++) {
                                    int iw = ow * s[2] - p[2] + kw * dl[2];
                                    if (id < 0 || id >= in[0] || ih < 0 || ih >= in[1] || iw < 0 || iw >= in[2]) {
                                        continue;
                                    }
                                    int at = base + (id * in[1] + ih) * in[2] + iw;
                                    if (x[at] > best || bestAt < 0) {
                                        best = x[at];
                                        bestAt = columnMajor ? base + (id * in[2] + iw) * in[1] + ih : at;
                                    }
                                }
                            }
                        }
                        y[o] = best;
                        if (indices != null) {
                            indices[o] = Math.max(bestAt, 0);
                        }
                    }
                }
            }
        }
    }

    /** Generic-path average pooling over doubles; same divisor rules as the float32 version. */
    public static void averagePool(Window w, double[] x, double[] y, boolean countIncludePad) {
        int[] in = w.in(), k = w.kernel(), out = w.out(), s = w.stride(), p = w.padBegin(), pe = w.padEnd();
        int[] dl = w.dilation();
        int inVol = in[0] * in[1] * in[2];
        int o = 0;
        for (int plane = 0; plane < w.planes(); plane++) {
            int base = plane * inVol;
            for (int od = 0; od < out[0]; od++) {
                for (int oh = 0; oh < out[1]; oh++) {
                    for (int ow = 0; ow < out[2]; ow++, o++) {
                        double sum = 0;
                        int inside = 0;
                        int padded = 0;
                        for (int kd = 0; kd < k[0]; kd++) {
                            int id = od * s[0] - p[0] + kd * dl[0];
                            for (int kh = 0; kh < k[1]; kh++) {
                                int ih = oh * s[1] - p[1] + kh * dl[1];
                                for (int kw = 0; kw < k[2]; kw++) {
                                    int iw = ow * s[2] - p[2] + kw * dl[2];
                                    if (id >= in[0] + pe[0] || ih >= in[1] + pe[1] || iw >= in[2] + pe[2]) {
                                        continue;
                                    }
                                    padded++;
                                    if (id >= 0 && id < in[0] && ih >= 0 && ih < in[1] && iw >= 0 && iw < in[2]) {
                                        sum += x[base + (id * in[1] + ih) * in[2] + iw];
                                        inside++;
                                    }
                                }
                            }
                        }
                        int count = countIncludePad ? padded : inside;
                        y[o] = count == 0 ? 0 : sum / count;
                    }
                }
            }
        }
    }
}
