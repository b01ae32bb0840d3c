package dev.dnnrun.kernels.norm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import dev.dnnrun.kernels.Scratch;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Normalization kernels. Statistics are accumulated in double (two passes: mean, then centred variance), which
 * avoids the cancellation of the one-pass E[x^2] - E[x]^2 form. Layouts are row-major.
 */
public final class NormKernels {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final Scratch SQUARES = new Scratch(1);

    private NormKernels() {
    }

    /**
     * float32 layer normalization of {@code rows} rows of {@code d} elements. {@code scale} and {@code bias} (bias
     * may be null) hold either one row of d values or a value per element of x. {@code mean} and {@code invStd}
     * (may be null) receive one value per row.
     */
    public static void layerNorm(MemorySegment x, MemorySegment y, int rows, int d, float[] scale, float[] bias,
                    double epsilon, double[] mean, double[] invStd) {
        for (int r = 0; r < rows; r++) {
            long at = (long) r * d;
            double sum = 0;
            for (int j = 0; j < d; j++) {
                sum += x.getAtIndex(F, at + j);
            }
            double mu = sum / d;
            double sq = 0;
            for (int j = 0; j < d; j++) {
                double c = x.getAtIndex(F, at + j) - mu;
                sq += c * c;
            }
            double inv = 1.0 / Math.sqrt(sq / d + epsilon);
            int so = scale.length == d ? 0 : (int) at;
            int bo = bias == null || bias.length == d ? 0 : (int) at;
            float m = (float) mu;
            float is = (float) inv;
            for (int j = 0; j < d; j++) {
                float v = (x.getAtIndex(F, at + j) - m) * is * scale[so + j];
                y.setAtIndex(F, at + j, bias == null ? v : v + bias[bo + j]);
            }
            if (mean != null) {
                mean[r] = mu;
                invStd[r] = inv;
            }
        }
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
