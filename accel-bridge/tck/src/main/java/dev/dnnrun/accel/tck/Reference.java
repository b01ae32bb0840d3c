package dev.dnnrun.accel.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

import dev.dnnrun.tensor.Tensor;

/** Naive float reference kernels (row-major, NCHW) and comparison helpers. */
public final class Reference {
    private Reference() {
    }

    /** f applied to every element. */
    public static float[] map(float[] x, DoubleUnaryOperator f) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = (float) f.applyAsDouble(x[i]);
        }
        return r;
    }

    /** f applied to every pair of elements of two same-shape arrays. */
    public static float[] zip(float[] x, float[] y, DoubleBinaryOperator f) {
        float[] r = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = (float) f.applyAsDouble(x[i], y[i]);
        }
        return r;
    }

    /** C[b] = A[b or 0] x B[b or 0]; sa/sb are per-batch strides (0 = shared matrix). */
    public static float[] matmul(float[] a, float[] b, int batch, int m, int k, int n, int sa, int sb) {
        float[] c = new float[batch * m * n];
        for (int z = 0; z < batch; z++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += a[z * sa + i * k + p] * b[z * sb + p * n + j];
                    }
                    c[z * m * n + i * n + j] = (float) s;
                }
            }
        }
        return c;
    }

    /** Gemm with C broadcast from shape {@code cs} ([], [n], [1,n], [m,1], [m,n]). */
    public static float[] gemm(float[] a, float[] b, float[] c, long[] cs, int m, int k, int n, boolean ta, boolean tb, float alpha, float beta) {
        float[] y = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[ta ? p * m + i : i * k + p] * b[tb ? j * k + p : p * n + j];
                }
                double bias = 0;
                if (c != null) {
                    long rows = cs.length == 2 ? cs[0] : 1, cols = cs.length >= 1 ? cs[cs.length - 1] : 1;
                    bias = c[(int) ((rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j))];
                }
                y[i * n + j] = (float) (alpha * s + beta * bias);
            }
        }
        return y;
    }

    public static float[] conv(float[] x, long[] xs, float[] w, long[] ws, float[] bias, int group, int[] strides, int[] pads, int[] dil, long[] ys) {
        int n = (int) xs[0], c = (int) xs[1], h = (int) xs[2], wd = (int) xs[3];
        int m = (int) ws[0], cg = (int) ws[1], kh = (int) ws[2], kw = (int) ws[3];
        int oh = (int) ys[2], ow = (int) ys[3];
        int mg = m / group;
        float[] y = new float[n * m * oh * ow];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < m; o++) {
                int g = o / mg;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double s = bias == null ? 0 : bias[o];
                        for (int ci = 0; ci < cg; ci++) {
                            for (int p = 0; p < kh; p++) {
                                for (int q = 0; q < kw; q++) {
                                    int hi = i * strides[0] - pads[0] + p * dil[0];
                                    int wi = j * strides[1] - pads[1] + q * dil[1];
                                    if (hi < 0 || hi >= h || wi < 0 || wi >= wd) {
                                        continue;
                                    }
                                    s += x[((b * c + g * cg + ci) * h + hi) * wd + wi] * w[((o * cg + ci) * kh + p) * kw + q];
                                }
                            }
                        }
                        y[((b * m + o) * oh + i) * ow + j] = (float) s;
                    }
                }
            }
        }
        return y;
    }

    public static float[] pool(float[] x, long[] xs, boolean max, int[] k, int[] s, int[] pads, boolean includePad, long[] ys) {
        int nc = (int) (xs[0] * xs[1]), h = (int) xs[2], w = (int) xs[3], oh = (int) ys[2], ow = (int) ys[3];
        float[] y = new float[nc * oh * ow];
        for (int c = 0; c < nc; c++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    double acc = max ? Double.NEGATIVE_INFINITY : 0;
                    int count = 0;
                    for (int p = 0; p < k[0]; p++) {
                        for (int q = 0; q < k[1]; q++) {
                            int hi = i * s[0] - pads[0] + p, wi = j * s[1] - pads[1] + q;
                            boolean inside = hi >= 0 && hi < h && wi >= 0 && wi < w;
                            boolean inPadded = hi < h + pads[2] && wi < w + pads[3];
                            if (inside) {
                                float v = x[(c * h + hi) * w + wi];
                                acc = max ? Math.max(acc, v) : acc + v;
                                count++;
                            } else if (includePad && inPadded) {
                                count++;
                            }
                        }
                    }
                    y[(c * oh + i) * ow + j] = (float) (max ? acc : acc / count);
                }
            }
        }
        return y;
    }

    /** Element by element: |actual - expected| <= tol * (1 + |expected|). */
    public static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": element count");
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])))) {
                throw new AssertionError(what + ": element " + i + ": expected " + expected[i] + ", got " + actual[i]);
            }
        }
    }

    public static void assertClose(float[] expected, Tensor actual, double tol) {
        assertEquals(expected.length, actual.elementCount(), "element count");
        for (int i = 0; i < expected.length; i++) {
            float a = actual.getFloat(i);
            if (!(Math.abs(a - expected[i]) <= tol * (1 + Math.abs(expected[i])))) {
                throw new AssertionError("element " + i + ": expected " + expected[i] + ", got " + a);
            }
        }
    }
}
