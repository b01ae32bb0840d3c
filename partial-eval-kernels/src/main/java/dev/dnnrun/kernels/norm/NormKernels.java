package dev.dnnrun.kernels.norm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.dnnrun.kernels.Parallel;
import dev.dnnrun.kernels.Scratch;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Normalization kernels. Statistics are accumulated in double (two passes: mean, then centred variance), which
 * avoids the cancellation of the one-pass E[x^2] - E[x]^2 form; float32 layer normalization first adds in float
 * vector lanes. Layouts are row-major.
 */
public final class NormKernels {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final Scratch SQUARES = new Scratch(1);
    private static final Scratch LANES = new Scratch(1);
    private static final int L = S.length();
    /** An element costs about as much as this many multiply-adds of a GEMM (three passes): {@link Parallel}'s measure. */
    private static final long ELEMENT_WORK = 16;

    private NormKernels() {
    }

    /**
     * float32 layer normalization of {@code rows} rows of {@code d} elements. {@code scale} and {@code bias} (bias
     * may be null) hold either one row of d values or a value per element of x. {@code mean} and {@code invStd}
     * (may be null) receive one value per row.
     */
    public static void layerNorm(MemorySegment x, MemorySegment y, int rows, int d, float[] scale, float[] bias,
                    double epsilon, double[] mean, double[] invStd) {
        // Rows split over threads; each row is computed as on one thread.
        Parallel.forRange(rows, 1, (long) rows * d * ELEMENT_WORK, (from, to) -> layerNormRows(x, y, from, to, d, scale, bias, epsilon,
                        mean, invStd), x, y);
    }

    /**
     * Rows {@code [from, to)} of {@link #layerNorm}. The sums run in vector lanes of floats (a lane adds d / 8 values),
     * then the lanes in a fixed order in double, so a row's result does not depend on the thread or on compilation.
     */
    private static void layerNormRows(MemorySegment x, MemorySegment y, int from, int to, int d, float[] scale, float[] bias,
                    double epsilon, double[] mean, double[] invStd) {
        float[] lanes = LANES.floats(0, L);
        int bound = S.loopBound(d);
        for (int r = from; r < to; r++) {
            long at = (long) r * d;
            FloatVector vs = FloatVector.zero(S);
            int j = 0;
            for (; j < bound; j += L) {
                vs = vs.add(load(x, at + j));
            }
            double sum = laneSum(vs, lanes);
            for (; j < d; j++) {
                sum += x.getAtIndex(F, at + j);
            }
            double mu = sum / d;
            float m = (float) mu;
            FloatVector vm = FloatVector.broadcast(S, m);
            FloatVector vq = FloatVector.zero(S);
            for (j = 0; j < bound; j += L) {
                FloatVector c = load(x, at + j).sub(vm);
                vq = c.fma(c, vq);
            }
            double sq = laneSum(vq, lanes);
            for (; j < d; j++) {
                double c = x.getAtIndex(F, at + j) - mu;
                sq += c * c;
            }
            double inv = 1.0 / Math.sqrt(sq / d + epsilon);
            int so = scale.length == d ? 0 : (int) at;
            int bo = bias == null || bias.length == d ? 0 : (int) at;
            float is = (float) inv;
            FloatVector vis = FloatVector.broadcast(S, is);
            for (j = 0; j < bound; j += L) {
                FloatVector v = load(x, at + j).sub(vm).mul(vis).mul(FloatVector.fromArray(S, scale, so + j));
                if (bias != null) {
                    v = v.add(FloatVector.fromArray(S, bias, bo + j));
                }
                v.intoMemorySegment(y, (at + j) * 4, NATIVE);
            }
            for (; j < d; j++) {
                float v = (x.getAtIndex(F, at + j) - m) * is * scale[so + j];
                y.setAtIndex(F, at + j, bias == null ? v : v + bias[bo + j]);
            }
            if (mean != null) {
                mean[r] = mu;
                invStd[r] = inv;
            }
        }
    }

    private static FloatVector load(MemorySegment s, long i) {
        return FloatVector.fromMemorySegment(S, s, i * 4, NATIVE);
    }

    /** The lanes of {@code v} added first to last in double. */
    private static double laneSum(FloatVector v, float[] lanes) {
        v.intoArray(lanes, 0);
        double sum = 0;
        for (int q = 0; q < L; q++) {
            sum += lanes[q];
        }
        return sum;
    }

    /** Generic-path layer normalization over doubles; same conventions as the float32 version. */
    public static void layerNorm(double[] x, double[] y, int rows, int d, double[] scale, double[] bias,
                    double epsilon, double[] mean, double[] invStd) {
        for (int r = 0; r < rows; r++) {
            int at = r * d;
            double sum = 0;
            for (int j = 0; j < d; j++) {
                sum += x[at + j];
            }
            double mu = sum / d;
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double c = x[at + j] - mu;
                sq += c * c;
            }
            double inv = 1.0 / Math.sqrt(sq / d + epsilon);
            int so = scale.length == d ? 0 : at;
            int bo = bias == null || bias.length == d ? 0 : at;
            for (int j = 0; j < d; j++) {
                double v = (x[at + j] - mu) * inv * scale[so + j];
                y[at + j] = bias == null ? v : v + bias[bo + j];
            }
            if (mean != null) {
                mean[r] = mu;
                invStd[r] = inv;
            }
        }
    }

    /**
     * Instance normalization of x [n, c, size]: each (n, c) plane is standardized, then scaled by
     * {@code scale[c]} and shifted by {@code bias[c]}.
     */
    public static void instanceNorm(double[] x, double[] y, int n, int c, int size, double[] scale, double[] bias,
                    double epsilon) {
        for (int plane = 0; plane < n * c; plane++) {
            int ch = plane % c;
            int at = plane * size;
            double sum = 0;
            for (int j = 0; j < size; j++) {
                sum += x[at + j];
            }
            double mu = sum / size;
            double sq = 0;
            for (int j = 0; j < size; j++) {
                double d = x[at + j] - mu;
                sq += d * d;
            }
            double mul = scale[ch] / Math.sqrt(sq / size + epsilon);
            for (int j = 0; j < size; j++) {
                y[at + j] = (x[at + j] - mu) * mul + bias[ch];
            }
        }
    }

    /**
     * Local response normalization across channels of x [n, c, size]:
     * {@code y = x / (k + alpha / window * sum of x^2 over the channel window)^beta}, where the window of channel
     * ch spans {@code [ch - floor((window-1)/2), ch + ceil((window-1)/2)]} clipped to the channels.
     */
    public static void lrn(double[] x, double[] y, int n, int c, int size, int window, double alpha, double beta,
                    double k) {
        int before = (window - 1) / 2;
        int after = window - 1 - before;
        double[] sq = new double[size];
        for (int b = 0; b < n; b++) {
            int image = b * c * size;
            for (int ch = 0; ch < c; ch++) {
                java.util.Arrays.fill(sq, 0);
                for (int cc = Math.max(0, ch - before); cc <= Math.min(c - 1, ch + after); cc++) {
                    int at = image + cc * size;
                    for (int j = 0; j < size; j++) {
                        sq[j] += x[at + j] * x[at + j];
                    }
                }
                int at = image + ch * size;
                for (int j = 0; j < size; j++) {
                    y[at + j] = x[at + j] / Math.pow(k + alpha / window * sq[j], beta);
                }
            }
        }
    }

    /**
     * float32 LRN across channels, {@code y = x / (k + alpha / window * sum of x^2 over the window)^beta}, with vector
     * loops for the window sums. The power is vectorised for the betas models use (0.75 in AlexNet, GoogLeNet and
     * Inception; 0.5) as square roots, other betas take a scalar Math.pow per element: the Vector API's POW is not
     * intrinsified on AVX2 (it ran lane by lane in Java, allocating per vector, 31 ms of Inception v1's 140).
     */
    public static void lrn(MemorySegment x, MemorySegment y, int n, int c, int size, int window, float alpha, float beta,
                    float k) {
        int before = (window - 1) / 2;
        int after = window - 1 - before;
        float[] sq = SQUARES.floats(0, size);
        float scale = alpha / window;
        for (int b = 0; b < n; b++) {
            long image = (long) b * c * size * 4;
            for (int ch = 0; ch < c; ch++) {
                java.util.Arrays.fill(sq, 0, size, 0f);
                for (int cc = Math.max(0, ch - before); cc <= Math.min(c - 1, ch + after); cc++) {
                    addSquares(x, image + (long) cc * size * 4, sq, size);
                }
                long at = image + (long) ch * size * 4;
                int j = 0;
                if (beta == 0.75f || beta == 0.5f) {
                    for (; j + S.length() <= size; j += S.length()) {
                        FloatVector d = FloatVector.fromArray(S, sq, j).mul(scale).add(k);
                        FloatVector root = d.sqrt();
                        // d^0.75 = sqrt(d) * sqrt(sqrt(d))
                        FloatVector denominator = beta == 0.5f ? root : root.mul(root.sqrt());
                        FloatVector.fromMemorySegment(S, x, at + 4L * j, NATIVE).div(denominator).intoMemorySegment(y, at + 4L * j, NATIVE);
                    }
                }
                for (; j < size; j++) {
                    y.set(F, at + 4L * j, x.get(F, at + 4L * j) * (float) Math.pow(k + scale * sq[j], -beta));
                }
            }
        }
    }

    /** {@code sq[j] += x[j]^2} over one channel plane starting at byte {@code at}. */
    private static void addSquares(MemorySegment x, long at, float[] sq, int size) {
        int j = 0;
        for (; j + S.length() <= size; j += S.length()) {
            FloatVector v = FloatVector.fromMemorySegment(S, x, at + 4L * j, NATIVE);
            v.fma(v, FloatVector.fromArray(S, sq, j)).intoArray(sq, j);
        }
        for (; j < size; j++) {
            float v = x.get(F, at + 4L * j);
            sq[j] += v * v;
        }
    }
}
