package dev.dnnrun.kernels.conv;

import static dev.dnnrun.kernels.conv.ConvTestData.floats;
import static dev.dnnrun.kernels.conv.ConvTestData.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The depthwise float32 kernel against the plain double-precision convolution, over strides, dilations and pads. */
class DepthwiseConvTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Test
    void matchesThePlainConvolution() {
        // {channels, multiplier, height, width, kernel, stride, dilation, padTop, padLeft[, stride across]}
        int[][] cases = {{3, 1, 28, 28, 3, 1, 1, 1, 1}, {4, 2, 9, 37, 3, 1, 1, 1, 1}, {5, 1, 15, 15, 3, 2, 1, 1, 1},
            {2, 1, 11, 13, 5, 1, 2, 4, 0}, {3, 1, 7, 7, 3, 1, 1, 0, 0}, {2, 3, 17, 5, 3, 2, 1, 0, 1},
            // mobile sizes: planes of a few dozen floats, rows shorter than a vector or a vector and a bit
            {6, 1, 3, 12, 5, 1, 1, 2, 2}, {4, 1, 2, 9, 5, 1, 1, 2, 2}, {5, 1, 6, 24, 3, 2, 1, 1, 1}, {3, 1, 1, 3, 3, 1, 1, 1, 1},
            {4, 1, 6, 12, 5, 2, 1, 2, 2, 1}, {3, 2, 5, 20, 3, 1, 1, 1, 1, 2}};
        Random r = new Random(11);
        for (int[] c : cases) {
            for (boolean relu : new boolean[] {false, true}) {
                check(r, c[0], c[1], c[2], c[3], c[4], c[5], c.length > 9 ? c[9] : c[5], c[6], c[7], c[8], relu);
            }
        }
    }

    private static void check(Random r, int ch, int mult, int h, int w, int k, int s, int sw, int d, int pt, int pl, boolean relu) {
        int span = (k - 1) * d + 1;
        int oh = (h + 2 * pt - span) / s + 1, ow = (w + 2 * pl - span) / sw + 1;
        int m = ch * mult;
        ConvKernels.Geometry g = new ConvKernels.Geometry(2, ch, m, ch, new int[] {1, h, w}, new int[] {1, k, k}, new int[] {1, oh, ow},
                        new int[] {1, s, sw}, new int[] {0, pt, pl}, new int[] {1, d, d});
        double[] x = random(r, 2 * ch * h * w), wt = random(r, m * k * k), bias = random(r, m);
        double[] expected = new double[2 * m * oh * ow];
        ConvKernels.conv(g, x, wt, bias, expected);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment xs = floats(arena, x), ws = floats(arena, wt), ys = arena.allocate(4L * expected.length);
            float[] b = ConvTestData.toFloats(bias);
            ConvKernels.conv(g, xs, ConvKernels.prepare(g, ws), b, ys, relu);
            for (int i = 0; i < expected.length; i++) {
                double e = relu ? Math.max(0, expected[i]) : expected[i];
                assertEquals(e, ys.getAtIndex(F, i), 1e-4, "case c=" + ch + "x" + mult + " " + h + "x" + w + " k" + k + " s" + s + "x" + sw
                                + " d" + d + " relu=" + relu + " at " + i);
            }
            // With a residual summand already in y (accumulate), added before the Relu.
            double[] summand = random(r, expected.length);
            MemorySegment zs = floats(arena, summand);
            ConvKernels.conv(g, xs, ConvKernels.prepare(g, ws), b, zs, relu, true);
            for (int i = 0; i < expected.length; i++) {
                double e = expected[i] + (float) summand[i];
                assertEquals(relu ? Math.max(0, e) : e, zs.getAtIndex(F, i), 1e-4, "summand, case c=" + ch + "x" + mult + " "
                                + h + "x" + w + " k" + k + " s" + s + " relu=" + relu + " at " + i);
            }
        }
    }
}
