package dev.dnnrun.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.dnnrun.kernels.Parallel;
import dev.dnnrun.kernels.gemm.Sgemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 convolution (NC + up to 3 spatial dims, row-major). 1-D and 2-D problems are passed as 3-D ones with
 * leading spatial extents of 1 (kernel 1, stride 1, pad 0, dilation 1), so one code path serves all ranks.
 *
 * <p>Per image and group the work is one GEMM: {@code Y[Mg x P] = W[Mg x K] * col[K x P] + bias}, where
 * {@code K = Cg * kernel volume} and {@code P} the output positions. 1x1 stride-1 unpadded convolutions use the
 * input itself as {@code col}; others pack im2col panels straight from the input. Depthwise convolution (one input channel per group)
 * runs a direct loop instead, where a GEMM would have a single row.
 */
public final class ConvKernels {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ThreadLocal<float[][]> COL = ThreadLocal.withInitial(() -> new float[1][0]);

    private ConvKernels() {
    }

    /** Shape parameters of a convolution, all spatial arrays of length 3 (depth, height, width). */
    public record Geometry(int batch, int channels, int outChannels, int group, int[] in, int[] kernel, int[] out,
                    int[] stride, int[] padBegin, int[] dilation) {
        int inVolume() {
            return in[0] * in[1] * in[2];
        }

        int outVolume() {
            return out[0] * out[1] * out[2];
        }

        int kernelVolume() {
            return kernel[0] * kernel[1] * kernel[2];
        }

        boolean isPointwise() {
            for (int d = 0; d < 3; d++) {
                if (kernel[d] != 1 || stride[d] != 1 || padBegin[d] != 0 || in[d] != out[d]) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Depthwise: one input channel per group, 2-D (direct loop instead of single-row GEMMs). */
    static boolean isDepthwise2d(Geometry g) {
        return g.channels() / g.group() == 1 && g.group() > 1 && g.in()[0] == 1 && g.kernel()[0] == 1;
    }

    /**
     * Weights prepared for {@link #conv(Geometry, MemorySegment, Weights, float[], MemorySegment, boolean)}: packed
     * GEMM panels per group, or a plain copy for depthwise convolution. Constant weights are prepared once.
     */
    public static final class Weights {
        final Sgemm.PackedA[] groups;
        final float[] depthwise;

        private Weights(Sgemm.PackedA[] groups, float[] depthwise) {
            this.groups = groups;
            this.depthwise = depthwise;
        }
    }

    /** Prepares w [M, C/group, k...] for the geometry g. */
    public static Weights prepare(Geometry g, MemorySegment w) {
        int cg = g.channels() / g.group();
        int mg = g.outChannels() / g.group();
        int kdim = cg * g.kernelVolume();
        if (isDepthwise2d(g)) {
            float[] copy = new float[Math.toIntExact((long) g.outChannels() * kdim)];
            MemorySegment.copy(w, F, 0, copy, 0, copy.length);
            return new Weights(null, copy);
        }
        Sgemm.PackedA[] groups = new Sgemm.PackedA[g.group()];
        for (int gr = 0; gr < g.group(); gr++) {
            groups[gr] = Sgemm.pack(mg, kdim, w, (long) gr * mg * kdim, kdim);
        }
        return new Weights(groups, null);
    }

    /** {@code y = conv(x, w) + bias}; bias may be null. w is [M, C/group, k...]. */
    public static void conv(Geometry g, MemorySegment x, MemorySegment w, float[] bias, MemorySegment y) {
        conv(g, x, prepare(g, w), bias, y, false);
    }

    /** {@code y = conv(x, w) + bias}, then {@code max(0, y)} when relu (in the same pass over y); bias may be null. */
    public static void conv(Geometry g, MemorySegment x, Weights w, float[] bias, MemorySegment y, boolean relu) {
        conv(g, x, w, bias, y, relu, false);
    }

    /**
     * As {@link #conv(Geometry, MemorySegment, Weights, float[], MemorySegment, boolean)}; with {@code accumulate} the
     * convolution is added to what y holds (a residual summand of y's shape), before the Relu, in the same pass.
     */
    public static void conv(Geometry g, MemorySegment x, Weights w, float[] bias, MemorySegment y, boolean relu, boolean accumulate) {
        int cg = g.channels() / g.group();
        int mg = g.outChannels() / g.group();
        int inVol = g.inVolume();
        int outVol = g.outVolume();
        if (w.depthwise != null) {
            depthwise2d(g, x, w.depthwise, bias, y, mg, relu, accumulate);
            return;
        }
        boolean pointwise = g.isPointwise();
        long work = (long) mg * cg * g.kernelVolume() * outVol;
        for (int n = 0; n < g.batch(); n++) {
            for (int gr = 0; gr < g.group(); gr++) {
                long xOff = ((long) n * g.channels() + (long) gr * cg) * inVol;
                long yOff = ((long) n * g.outChannels() + (long) gr * mg) * outVol;
                Sgemm.PackedA a = w.groups[gr];
                int biasAt = gr * mg;
                // Output positions split over threads; each chunk packs its own columns of im2col.
                Parallel.forRange(outVol, Sgemm.NR, work, (from, to) -> {
                    Sgemm.PanelSource cols = pointwise ? Sgemm.matrix(x, xOff + from, outVol) : new Im2colPanels(g, x, xOff).from(from);
                    Sgemm.sgemm(a, to - from, cols, y, yOff + from, outVol, bias, biasAt, relu, accumulate);
                }, x, y);
            }
        }
    }

    /**
     * The im2col matrix {@code col[(c, kd, kh, kw)][(od, oh, ow)] = x[c, od*s - p + kd*d, ...]} (zero outside the
     * input), packed straight into GEMM panels without materialising col: each requested row segment is built in a
     * small buffer and then copied panel by panel.
     */
    static final class Im2colPanels implements Sgemm.PanelSource {
        /** The row buffer, per thread: one per convolution call was 97% of a model's steady-state allocation. */
        private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[1][0]);
        private final Geometry g;
        private final MemorySegment x;
        private final long xOff;

        Im2colPanels(Geometry g, MemorySegment x, long xOff) {
            this.g = g;
            this.x = x;
            this.xOff = xOff;
        }

        /** The panels of columns {@code first} onwards, numbered from 0. */
        Sgemm.PanelSource from(int first) {
            return first == 0 ? this : (pc, kc, jc, nc, bp) -> pack(pc, kc, jc + first, nc, bp);
        }

        @Override
        public void pack(int pc, int kc, int jc, int nc, float[] bp) {
            float[][] holder = ROW.get();
            if (holder[0].length < nc) {
                holder[0] = new float[nc];
            }
            float[] row = holder[0];
            int nr = Sgemm.NR;
            int fullEnd = nc / nr * nr;
            for (int p = 0; p < kc; p++) {
                fillRow(pc + p, jc, nc, row);
                int dst = p * nr;
                int j = 0;
                for (; j < fullEnd; j += nr, dst += kc * nr) {
                    System.arraycopy(row, j, bp, dst, nr);
                }
                if (j < nc) {
                    System.arraycopy(row, j, bp, dst, nc - j);
                    java.util.Arrays.fill(bp, dst + nc - j, dst + nr, 0f);
                }
            }
        }

        /** row[0, nc) = col[r][jc, jc + nc). */
        private void fillRow(int r, int jc, int nc, float[] row) {
            int[] in = g.in();
            int[] k = g.kernel();
            int[] out = g.out();
            int[] s = g.stride();
            int[] p = g.padBegin();
            int[] dl = g.dilation();
            int kw = r % k[2];
            int kh = r / k[2] % k[1];
            int kd = r / (k[2] * k[1]) % k[0];
            int c = r / (k[2] * k[1] * k[0]);
            long plane = xOff + (long) c * in[0] * in[1] * in[2];
            int ow = out[2];
            // Output columns whose input column is inside [0, W): ow in [lo, hi).
            int offW = kw * dl[2] - p[2];
            int lo = offW >= 0 ? 0 : Math.min(ow, (-offW + s[2] - 1) / s[2]);
            int hi = in[2] - offW <= 0 ? 0 : Math.min(ow, (in[2] - offW + s[2] - 1) / s[2]);
            hi = Math.max(hi, lo);
            int j = jc;
            int end = jc + nc;
            // (od, oh, o0) of column j, advanced line by line: no divisions per output line.
            int o0 = j % ow;
            int oh = j / ow % out[1];
            int od = j / ow / out[1];
            while (j < end) {
                int cnt = Math.min(ow - o0, end - j);
                int at = j - jc;
                int id = od * s[0] - p[0] + kd * dl[0];
                int ih = oh * s[1] - p[1] + kh * dl[1];
                if (id < 0 || id >= in[0] || ih < 0 || ih >= in[1]) {
                    java.util.Arrays.fill(row, at, at + cnt, 0f);
                } else {
                    long src = plane + ((long) id * in[1] + ih) * in[2] + offW;
                    int a = Math.max(lo, o0);
                    int b = Math.min(hi, o0 + cnt);
                    if (b <= a) {
                        java.util.Arrays.fill(row, at, at + cnt, 0f);
                    } else {
                        java.util.Arrays.fill(row, at, at + a - o0, 0f);
                        if (s[2] == 1) {
                            MemorySegment.copy(x, F, (src + a) * 4, row, at + a - o0, b - a);
                        } else {
                            int sw = s[2];
                            for (int o = a; o < b; o++) {
                                row[at + o - o0] = x.getAtIndex(F, src + (long) o * sw);
                            }
                        }
                        java.util.Arrays.fill(row, at + b - o0, at + cnt, 0f);
                    }
                }
                j += cnt;
                o0 = 0;
                if (++oh == out[1]) {
                    oh = 0;
                    od++;
                }
            }
        }
    }

    static float[] colBuffer(long size) {
        float[][] holder = COL.get();
        if (holder[0].length < size) {
            holder[0] = new float[Math.toIntExact(size)];
        }
        return holder[0];
    }

    /**
     * One input channel per group (depthwise, with channel multiplier mg): a direct 2-D loop. Each input plane is
     * first copied into a zero-bordered buffer covering every position a tap reads, with each row split into
     * {@code stride} phases (columns q with the same q % stride side by side), so that for every tap the inputs of
     * consecutive output columns are consecutive floats: vector loads, no bounds checks, for any stride. Channels are
     * split over threads.
     */
    static void depthwise2d(Geometry g, MemorySegment x, float[] w, float[] bias, MemorySegment y, int mg,
                    boolean relu, boolean accumulate) {
        int kh = g.kernel()[1], kw = g.kernel()[2];
        int oh = g.out()[1], ow = g.out()[2];
        Padded layout = new Padded(g);
        long work = (long) g.outChannels() * oh * ow * kh * kw;
        for (int n = 0; n < g.batch(); n++) {
            int batch = n;
            Parallel.forRange(g.outChannels(), 1, work, (from, to) -> {
                float[] buffer = new float[layout.rows * layout.rowLength];
                float[] line = new float[layout.rowLength];
                float[] out = new float[S.length()];
                int filledFor = -1;
                for (int m = from; m < to; m++) {
                    if (m / mg != filledFor) {
                        filledFor = m / mg;
                        layout.fill(x, batch, filledFor, buffer, line);
                    }
                    depthwisePlane(g, w, bias, y, relu, accumulate, batch, m, layout, buffer, out);
                }
            }, x, y);
        }
    }

    /** The zero-bordered, phase-split copy of one input plane that {@link #depthwise2d} reads. */
    private static final class Padded {
        final Geometry g;
        final int rows;
        final int cols;
        final int stride;
        /** Floats per phase of a row, and per row. */
        final int phaseLength;
        final int rowLength;
        /** Per horizontal tap kx, the position within a row of the input read by output column 0. */
        final int[] tapColumn;

        Padded(Geometry g) {
            this.g = g;
            rows = (g.out()[1] - 1) * g.stride()[1] + (g.kernel()[1] - 1) * g.dilation()[1] + 1;
            cols = (g.out()[2] - 1) * g.stride()[2] + (g.kernel()[2] - 1) * g.dilation()[2] + 1;
            stride = g.stride()[2];
            phaseLength = (cols + stride - 1) / stride;
            rowLength = stride * phaseLength;
            tapColumn = new int[g.kernel()[2]];
            for (int kx = 0; kx < tapColumn.length; kx++) {
                tapColumn[kx] = at(0, kx * g.dilation()[2]);
            }
        }

        /** Buffer position of padded column q (input column q - padLeft) in row r. */
        int at(int r, int q) {
            return r * rowLength + (q % stride) * phaseLength + q / stride;
        }

        /** Fills {@code buffer} from plane (n, c); {@code line} is scratch of {@link #rowLength} floats. */
        void fill(MemorySegment x, int n, int c, float[] buffer, float[] line) {
            int ih = g.in()[1], iw = g.in()[2];
            int ph = g.padBegin()[1], pw = g.padBegin()[2];
            long plane = ((long) n * g.channels() + c) * ih * iw;
            int q0 = Math.max(0, pw), q1 = Math.min(cols, iw + pw); // padded columns that hold input columns
            int r0 = Math.max(0, ph), r1 = Math.max(r0, Math.min(rows, ih + ph)); // padded rows that hold input rows
            if (q1 <= q0) {
                java.util.Arrays.fill(buffer, 0f);
                return;
            }
            // Zero only what no input lands on: the rows above and below, and each input row's borders.
            java.util.Arrays.fill(buffer, 0, r0 * rowLength, 0f);
            java.util.Arrays.fill(buffer, r1 * rowLength, rows * rowLength, 0f);
            for (int r = r0; r < r1; r++) {
                long src = (plane + (long) (r - ph) * iw - pw + q0) * 4;
                if (stride == 1) {
                    java.util.Arrays.fill(buffer, r * rowLength, r * rowLength + q0, 0f);
                    MemorySegment.copy(x, F, src, buffer, r * rowLength + q0, q1 - q0);
                    java.util.Arrays.fill(buffer, r * rowLength + q1, (r + 1) * rowLength, 0f);
                    continue;
                }
                java.util.Arrays.fill(buffer, r * rowLength, (r + 1) * rowLength, 0f);
                // The padded row in line[0, cols), then each phase gathered from it.
                java.util.Arrays.fill(line, 0f);
                MemorySegment.copy(x, F, src, line, q0, q1 - q0);
                for (int phase = 0, to = r * rowLength; phase < stride; phase++) {
                    for (int q = phase; q < cols; q += stride) {
                        buffer[to++] = line[q];
                    }
                    to = r * rowLength + (phase + 1) * phaseLength;
                }
            }
        }
    }

    /**
     * One output plane, two rows at a time, per block of columns: all taps accumulate in two registers (two
     * independent FMA chains) and each block is stored once. An odd last row is computed twice and stored once.
     */
    private static void depthwisePlane(Geometry g, float[] w, float[] bias, MemorySegment y, boolean relu, boolean accumulate,
                    int n, int m, Padded layout, float[] buffer, float[] out) {
        int kh = g.kernel()[1], kw = g.kernel()[2];
        int oh = g.out()[1], ow = g.out()[2];
        int sh = g.stride()[1], dh = g.dilation()[1];
        int rowLength = layout.rowLength;
        int[] tapColumn = layout.tapColumn;
        int lanes = S.length();
        long yPlane = ((long) n * g.outChannels() + m) * oh * ow;
        FloatVector bias0 = FloatVector.broadcast(S, bias == null ? 0f : bias[m]);
        int wAt = m * kh * kw;
        for (int oy = 0; oy < oh; oy += 2) {
            int oy1 = Math.min(oy + 1, oh - 1);
            for (int ox = 0; ox < ow; ox += lanes) {
                VectorMask<Float> in = S.indexInRange(ox, ow);
                FloatVector sum0 = bias0, sum1 = bias0;
                for (int ky = 0; ky < kh; ky++) {
                    int row0 = (oy * sh + ky * dh) * rowLength + ox, row1 = (oy1 * sh + ky * dh) * rowLength + ox;
                    for (int kx = 0; kx < kw; kx++) {
                        FloatVector wv = FloatVector.broadcast(S, w[wAt + ky * kw + kx]);
                        sum0 = FloatVector.fromArray(S, buffer, row0 + tapColumn[kx], in).fma(wv, sum0);
                        sum1 = FloatVector.fromArray(S, buffer, row1 + tapColumn[kx], in).fma(wv, sum1);
                    }
                }
                int count = Math.min(lanes, ow - ox);
                long at0 = (yPlane + (long) oy * ow + ox) * 4, at1 = (yPlane + (long) (oy + 1) * ow + ox) * 4;
                if (accumulate) {
                    sum0 = sum0.add(FloatVector.fromMemorySegment(S, y, at0, NATIVE, in));
                    sum1 = oy + 1 < oh ? sum1.add(FloatVector.fromMemorySegment(S, y, at1, NATIVE, in)) : sum1;
                }
                (relu ? sum0.max(0f) : sum0).intoArray(out, 0);
                MemorySegment.copy(out, 0, y, F, at0, count);
                if (oy + 1 < oh) {
                    (relu ? sum1.max(0f) : sum1).intoArray(out, 0);
                    MemorySegment.copy(out, 0, y, F, at1, count);
                }
            }
        }
    }

    /**
     * Transposed convolution. w is [C, M/group, k...]; {@code g.in()} is the input (x) extent and {@code g.out()}
     * the output (y) extent; y[o] receives x[i] * w[k] where {@code o = i*s - padBegin + k*d}.
     */
    public static void convTranspose(Geometry g, MemorySegment x, MemorySegment w, float[] bias, MemorySegment y) {
        int cg = g.channels() / g.group();
        int mg = g.outChannels() / g.group();
        int kvol = g.kernelVolume();
        int kdim = mg * kvol;
        int inVol = g.inVolume();
        int outVol = g.outVolume();
        float[] col = colBuffer((long) kdim * inVol);
        MemorySegment colSeg = MemorySegment.ofArray(col);
        for (int n = 0; n < g.batch(); n++) {
            for (int gr = 0; gr < g.group(); gr++) {
                long xOff = ((long) n * g.channels() + (long) gr * cg) * inVol;
                long yOff = ((long) n * g.outChannels() + (long) gr * mg) * outVol;
                long wOff = (long) gr * cg * kdim;
                // col[K = (m, k...)][i] = sum_c w[c][(m, k...)] * x[c][i]
                Sgemm.sgemm(true, false, kdim, inVol, cg, 1f, w, wOff, kdim, x, xOff, inVol, 0f, colSeg, 0, inVol);
                for (int m = 0; m < mg; m++) {
                    float b = bias == null ? 0f : bias[gr * mg + m];
                    long plane = yOff + (long) m * outVol;
                    for (int i = 0; i < outVol; i++) {
                        y.setAtIndex(F, plane + i, b);
                    }
                }
                col2im(g, col, y, yOff, mg);
            }
        }
    }

    private static void col2im(Geometry g, float[] col, MemorySegment y, long yOff, int mg) {
        int[] in = g.in();
        int[] k = g.kernel();
        int[] out = g.out();
        int[] s = g.stride();
        int[] p = g.padBegin();
        int[] dl = g.dilation();
        int inVol = g.inVolume();
        int outVol = g.outVolume();
        int row = 0;
        for (int m = 0; m < mg; m++) {
            long plane = yOff + (long) m * outVol;
            for (int kd = 0; kd < k[0]; kd++) {
                for (int kh = 0; kh < k[1]; kh++) {
                    for (int kw = 0; kw < k[2]; kw++, row++) {
                        int at = row * inVol;
                        for (int id = 0; id < in[0]; id++) {
                            int od = id * s[0] - p[0] + kd * dl[0];
                            for (int ih = 0; ih < in[1]; ih++) {
                                int oh = ih * s[1] - p[1] + kh * dl[1];
                                boolean rowOk = od >= 0 && od < out[0] && oh >= 0 && oh < out[1];
                                for (int iw = 0; iw < in[2]; iw++, at++) {
                                    int ow = iw * s[2] - p[2] + kw * dl[2];
                                    if (rowOk && ow >= 0 && ow < out[2]) {
                                        long o = plane + ((long) od * out[1] + oh) * out[2] + ow;
                                        y.setAtIndex(F, o, y.getAtIndex(F, o) + col[at]);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** float64 convolution as a direct loop (generic path; not tuned). Same layouts as {@link #conv}. */
    public static void conv(Geometry g, double[] x, double[] w, double[] bias, double[] y) {
        int[] in = g.in(), k = g.kernel(), out = g.out(), s = g.stride(), p = g.padBegin(), dl = g.dilation();
        int cg = g.channels() / g.group();
        int mg = g.outChannels() / g.group();
        int inVol = g.inVolume(), outVol = g.outVolume(), kVol = g.kernelVolume();
        int o = 0;
        for (int n = 0; n < g.batch(); n++) {
            for (int m = 0; m < g.outChannels(); m++) {
                int c0 = m / mg * cg;
                for (int od = 0; od < out[0]; od++) {
                    for (int oh = 0; oh < out[1]; oh++) {
                        for (int ow = 0; ow < out[2]; ow++, o++) {
                            double sum = bias == null ? 0 : bias[m];
                            for (int c = 0; c < cg; c++) {
                                int xPlane = (n * g.channels() + c0 + c) * inVol;
                                int wAt = (m * cg + c) * kVol;
                                for (int kd = 0; kd < k[0]; kd++) {
                                    int id = od * s[0] - p[0] + kd * dl[0];
                                    for (int kh = 0; kh < k[1]; kh++) {
                                        int ih = oh * s[1] - p[1] + kh * dl[1];
                                        for (int kw = 0; kw < k[2]; kw++) {
                                            int iw = ow * s[2] - p[2] + kw * dl[2];
                                            if (id >= 0 && id < in[0] && ih >= 0 && ih < in[1] && iw >= 0 && iw < in[2]) {
                                                sum += w[wAt + (kd * k[1] + kh) * k[2] + kw]
                                                                * x[xPlane + (id * in[1] + ih) * in[2] + iw];
                                            }
                                        }
                                    }
                                }
                            }
                            y[o] = sum;
                        }
                    }
                }
            }
        }
    }

    /** float64 transposed convolution as a direct scatter loop (generic path). Same layouts as the float32 one. */
    public static void convTranspose(Geometry g, double[] x, double[] w, double[] bias, double[] y) {
        int[] in = g.in(), k = g.kernel(), out = g.out(), s = g.stride(), p = g.padBegin(), dl = g.dilation();
        int cg = g.channels() / g.group();
        int mg = g.outChannels() / g.group();
        int inVol = g.inVolume(), outVol = g.outVolume(), kVol = g.kernelVolume();
        for (int n = 0; n < g.batch(); n++) {
            for (int m = 0; m < g.outChannels(); m++) {
                java.util.Arrays.fill(y, (n * g.outChannels() + m) * outVol, (n * g.outChannels() + m + 1) * outVol,
                                bias == null ? 0 : bias[m]);
            }
            for (int c = 0; c < g.channels(); c++) {
                int gr = c / cg;
                int xPlane = (n * g.channels() + c) * inVol;
                for (int mi = 0; mi < mg; mi++) {
                    int m = gr * mg + mi;
                    int yPlane = (n * g.outChannels() + m) * outVol;
                    int wAt = (c * mg + mi) * kVol;
                    for (int id = 0; id < in[0]; id++) {
                        for (int ih = 0; ih < in[1]; ih++) {
                            for (int iw = 0; iw < in[2]; iw++) {
                                double v = x[xPlane + (id * in[1] + ih) * in[2] + iw];
                                for (int kd = 0; kd < k[0]; kd++) {
                                    int od = id * s[0] - p[0] + kd * dl[0];
                                    for (int kh = 0; kh < k[1]; kh++) {
                                        int oh = ih * s[1] - p[1] + kh * dl[1];
                                        for (int kw = 0; kw < k[2]; kw++) {
                                            int ow = iw * s[2] - p[2] + kw * dl[2];
                                            if (od >= 0 && od < out[0] && oh >= 0 && oh < out[1] && ow >= 0 && ow < out[2]) {
                                                y[yPlane + (od * out[1] + oh) * out[2] + ow] +=
                                                                v * w[wAt + (kd * k[1] + kh) * k[2] + kw];
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
