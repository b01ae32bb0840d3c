package dev.dnnrun.kernels.conv;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.dnnrun.kernels.Interleave;
import dev.dnnrun.kernels.NativeScratch;
import dev.dnnrun.kernels.Parallel;
import dev.dnnrun.kernels.Scratch;
import dev.dnnrun.kernels.gemm.Sgemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 convolution (NC + up to 3 spatial dims, row-major). 1-D and 2-D problems are passed as 3-D ones with
 * leading spatial extents of 1 (kernel 1, stride 1, pad 0, dilation 1), so one code path serves all ranks.
 *
 * <p>Per image and group the work is one GEMM: {@code Y[Mg x P] = W[Mg x K] * col[K x P] + bias}, where
 * {@code K = Cg * kernel volume} and {@code P} the output positions. 1x1 stride-1 unpadded convolutions use the
 * input itself as {@code col}; others pack im2col panels straight from the input. Depthwise convolution (one input channel per group)
 * runs a direct loop instead, where a GEMM would have a single row; 3x3 stride-1 convolutions with enough channels run
 * as {@link Winograd} F(2x2, 3x3), 16 smaller GEMMs; a kernel that covers the whole input ({@link Dense}) as dot
 * products.
 */
public final class ConvKernels {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** The transposed convolution's col matrix, per thread: native, as the GEMM writes it (see NativeScratch). */
    private static final NativeScratch COL = new NativeScratch(1);

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

    /**
     * Weights prepared for {@link #conv(Geometry, MemorySegment, Weights, float[], MemorySegment, boolean)}: packed
     * GEMM panels per group, or a {@link Depthwise}, {@link Winograd} or {@link Dense} convolution. Constant weights are
     * prepared once.
     *
     * <p>A convolution that {@link Winograd} applies to starts on the GEMM and switches after {@link #GEMM_CALLS}
     * calls. Its transforms are vector code of their own, which runs 5-10 times slower than the warm im2col GEMM until
     * the JIT has compiled it: in SqueezeNet's first call, six Winograd layers took about 1 s against 0.16 s. A model
     * run once never pays that; one that serves calls pays it once, on its third call. The weights' segment must then
     * still be valid (the model's constants are, for its life).
     */
    public static final class Weights {
        /** Calls on the GEMM before a Winograd candidate switches. */
        static final int GEMM_CALLS = 2;
        private volatile Sgemm.PackedA[] groups;
        final Depthwise depthwise;
        final Dense dense;
        private volatile Winograd winograd;
        /** The weights to build the Winograd form from when the time comes, or null. */
        private MemorySegment winogradSource;
        private int gemmCalls;

        private Weights(Sgemm.PackedA[] groups, Depthwise depthwise, Dense dense, MemorySegment winogradSource) {
            this.groups = groups;
            this.depthwise = depthwise;
            this.dense = dense;
            this.winogradSource = winogradSource;
        }

        /** The Winograd form, built on the call after {@link #GEMM_CALLS}; null before (and when it does not apply). */
        Winograd winograd(Geometry g) {
            Winograd w = winograd;
            return w != null || winogradSource == null ? w : switchToWinograd(g);
        }

        /** Whether calls now run on the Winograd form. */
        boolean usesWinograd() {
            return winograd != null;
        }

        private synchronized Winograd switchToWinograd(Geometry g) {
            if (winograd == null && winogradSource != null && ++gemmCalls > GEMM_CALLS) {
                winograd = new Winograd(g, winogradSource);
                winogradSource = null;
                groups = null; // after winograd is set: a caller that finds no groups finds the Winograd form
            }
            return winograd;
        }
    }

    /** Prepares w [M, C/group, k...] for the geometry g. */
    public static Weights prepare(Geometry g, MemorySegment w) {
        int cg = g.channels() / g.group();
        int mg = g.outChannels() / g.group();
        int kdim = cg * g.kernelVolume();
        if (Depthwise.applies(g)) {
            return new Weights(null, new Depthwise(g, w), null, null);
        }
        if (Dense.applies(g)) {
            return new Weights(null, null, new Dense(g, w), null);
        }
        Sgemm.PackedA[] groups = new Sgemm.PackedA[g.group()];
        for (int gr = 0; gr < g.group(); gr++) {
            groups[gr] = Sgemm.pack(mg, kdim, w, (long) gr * mg * kdim, kdim);
        }
        return new Weights(groups, null, null, Winograd.applies(g) ? w : null);
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
            w.depthwise.run(x, bias, y, relu, accumulate);
            return;
        }
        if (w.dense != null) {
            w.dense.run(x, bias, y, relu, accumulate);
            return;
        }
        Sgemm.PackedA[] groups = w.groups; // read before the Winograd form: see Weights.switchToWinograd
        Winograd winograd = w.winograd(g);
        if (winograd != null) {
            winograd.run(x, bias, y, relu, accumulate);
            return;
        }
        boolean pointwise = g.isPointwise();
        long work = (long) mg * cg * g.kernelVolume() * outVol;
        for (int n = 0; n < g.batch(); n++) {
            for (int gr = 0; gr < g.group(); gr++) {
                long xOff = ((long) n * g.channels() + (long) gr * cg) * inVol;
                long yOff = ((long) n * g.outChannels() + (long) gr * mg) * outVol;
                Sgemm.PackedA a = groups[gr];
                int biasAt = gr * mg;
                // Output positions split over threads; each chunk packs its own columns of im2col.
                Sgemm.PanelSource cols = pointwise ? Sgemm.matrix(x, xOff, outVol) : new Im2colPanels(g, x, xOff);
                Parallel.forRange(outVol, Sgemm.NR, work, (from, to) -> Sgemm.sgemm(a, to - from, cols, from, y, yOff + from, outVol, bias,
                                biasAt, relu, accumulate), x, y);
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
        private static final Scratch ROW = new Scratch(1);
        private final Geometry g;
        private final MemorySegment x;
        private final long xOff;

        Im2colPanels(Geometry g, MemorySegment x, long xOff) {
            this.g = g;
            this.x = x;
            this.xOff = xOff;
        }

        @Override
        public void pack(int pc, int kc, int jc, int nc, float[] bp) {
            float[] row = ROW.floats(0, nc);
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
        MemorySegment col = COL.bytes(0, 4L * kdim * inVol);
        for (int n = 0; n < g.batch(); n++) {
            for (int gr = 0; gr < g.group(); gr++) {
                long xOff = ((long) n * g.channels() + (long) gr * cg) * inVol;
                long yOff = ((long) n * g.outChannels() + (long) gr * mg) * outVol;
                long wOff = (long) gr * cg * kdim;
                // col[K = (m, k...)][i] = sum_c w[c][(m, k...)] * x[c][i]
                Sgemm.sgemm(true, false, kdim, inVol, cg, 1f, w, wOff, kdim, x, xOff, inVol, 0f, col, 0, inVol);
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

    private static void col2im(Geometry g, MemorySegment col, MemorySegment y, long yOff, int mg) {
        if (isWidthPairs(g)) {
            col2imPairs(g, col, y, yOff, mg);
            return;
        }
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
                                        y.setAtIndex(F, o, y.getAtIndex(F, o) + col.getAtIndex(F, at));
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** 2-D, width kernel 2 and stride 2, no width padding or dilation: upsampling layers (U-Net, DBNet, FPN). */
    private static boolean isWidthPairs(Geometry g) {
        return g.in()[0] == 1 && g.kernel()[0] == 1 && g.kernel()[2] == 2 && g.stride()[2] == 2 && g.dilation()[2] == 1
                        && g.padBegin()[2] == 0 && 2 * g.in()[2] <= g.out()[2];
    }

    /**
     * {@link #col2im} for {@link #isWidthPairs}: the two kernel columns of an input row land on the even and odd
     * columns of one output row, so they are interleaved with shuffles and added a vector at a time (the general
     * loop's per-element bounds checks and stride-2 accesses made it 4x slower than the GEMM before it).
     */
    private static void col2imPairs(Geometry g, MemorySegment col, MemorySegment y, long yOff, int mg) {
        int ih = g.in()[1], iw = g.in()[2];
        int kh = g.kernel()[1];
        int oh = g.out()[1], ow = g.out()[2];
        int inVol = ih * iw;
        long outVol = (long) oh * ow;
        for (int m = 0; m < mg; m++) {
            long plane = yOff + m * outVol;
            for (int ky = 0; ky < kh; ky++) {
                int left = (m * kh + ky) * 2 * inVol;
                int right = left + inVol;
                for (int row = 0; row < ih; row++) {
                    int oy = row * g.stride()[1] - g.padBegin()[1] + ky * g.dilation()[1];
                    if (oy < 0 || oy >= oh) {
                        continue;
                    }
                    long at = (plane + (long) oy * ow) * 4;
                    int c0 = left + row * iw;
                    int c1 = right + row * iw;
                    int j = 0;
                    for (; j + L <= iw; j += L) {
                        FloatVector a = FloatVector.fromMemorySegment(S, col, 4L * (c0 + j), NATIVE);
                        FloatVector b = FloatVector.fromMemorySegment(S, col, 4L * (c1 + j), NATIVE);
                        long lowAt = at + 8L * j;
                        long highAt = lowAt + 4L * L;
                        a.rearrange(Interleave.ZIP_LOW, b).add(FloatVector.fromMemorySegment(S, y, lowAt, NATIVE))
                                        .intoMemorySegment(y, lowAt, NATIVE);
                        a.rearrange(Interleave.ZIP_HIGH, b).add(FloatVector.fromMemorySegment(S, y, highAt, NATIVE))
                                        .intoMemorySegment(y, highAt, NATIVE);
                    }
                    for (; j < iw; j++) {
                        long even = at + 8L * j;
                        y.set(F, even, y.get(F, even) + col.getAtIndex(F, c0 + j));
                        y.set(F, even + 4, y.get(F, even + 4) + col.getAtIndex(F, c1 + j));
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
