package dev.dnnrun.kernels.conv;

import static dev.dnnrun.kernels.conv.ConvTestData.floats;
import static dev.dnnrun.kernels.conv.ConvTestData.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Convolutions whose kernel covers the whole input (one output position) run as dot products: against the plain
 * double-precision loop, for 1x1 maps (squeeze-and-excitation), a 7x7 head, K below and not a multiple of a vector,
 * output channels in and out of groups of four, with bias, Relu and a summand.
 */
class DenseConvTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Test
    void matchesThePlainConvolution() {
        // {channels, outChannels, height, width}: the kernel is height x width
        int[][] cases = {{144, 37, 1, 1}, {5, 6, 7, 7}, {3, 2, 1, 1}, {13, 9, 1, 3}, {64, 16, 2, 2}};
        Random r = new Random(9);
        for (int[] c : cases) {
            for (boolean relu : new boolean[] {false, true}) {
                check(r, c[0], c[1], c[2], c[3], relu);
            }
        }
    }

    @Test
    void leavesPaddedAndSlidingKernelsToTheGemm() {
        assertFalse(Dense.applies(geometry(8, 8, 3, 3, 3, 1)), "padded");
        assertFalse(Dense.applies(geometry(8, 8, 4, 4, 3, 0)), "more than one output position");
    }

    private static ConvKernels.Geometry geometry(int ch, int m, int h, int w, int kernel, int pad) {
        int o = h + 2 * pad - kernel + 1;
        return new ConvKernels.Geometry(2, ch, m, 1, new int[] {1, h, w}, new int[] {1, kernel, kernel}, new int[] {1, o, o},
                        new int[] {1, 1, 1}, new int[] {0, pad, pad}, new int[] {1, 1, 1});
    }

    private static void check(Random r, int ch, int m, int h, int w, boolean relu) {
        ConvKernels.Geometry g = new ConvKernels.Geometry(2, ch, m, 1, new int[] {1, h, w}, new int[] {1, h, w}, new int[] {1, 1, 1},
                        new int[] {1, 1, 1}, new int[] {0, 0, 0}, new int[] {1, 1, 1});
        String name = ch + "->" + m + " " + h + "x" + w + " relu=" + relu;
        double[] x = random(r, 2 * ch * h * w), wt = random(r, m * ch * h * w), bias = random(r, m);
        double[] expected = new double[2 * m];
        ConvKernels.conv(g, x, wt, bias, expected);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment xs = floats(arena, x), ws = floats(arena, wt), ys = arena.allocate(4L * expected.length);
            float[] b = ConvTestData.toFloats(bias);
            ConvKernels.Weights prepared = ConvKernels.prepare(g, ws);
            assertNotNull(prepared.dense, name + ": prepared as dot products");
            ConvKernels.conv(g, xs, prepared, b, ys, relu);
            double[] summand = random(r, expected.length);
            MemorySegment zs = floats(arena, summand);
            ConvKernels.conv(g, xs, prepared, b, zs, relu, true);
            for (int i = 0; i < expected.length; i++) {
                double e = relu ? Math.max(0, expected[i]) : expected[i];
                assertEquals(e, ys.getAtIndex(F, i), 1e-4 * (1 + Math.abs(e)), name + " at " + i);
                double s = expected[i] + (float) summand[i];
                s = relu ? Math.max(0, s) : s;
                assertEquals(s, zs.getAtIndex(F, i), 1e-4 * (1 + Math.abs(s)), "summand, " + name + " at " + i);
            }
        }
    }
}
