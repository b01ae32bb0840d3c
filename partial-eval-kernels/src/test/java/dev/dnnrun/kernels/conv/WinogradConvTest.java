package dev.dnnrun.kernels.conv;

import static dev.dnnrun.kernels.conv.ConvTestData.floats;
import static dev.dnnrun.kernels.conv.ConvTestData.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The Winograd F(2x2, 3x3) path of the float32 convolution (after the first calls, which run on the GEMM) against the
 * plain double-precision one: even and odd output sizes, single rows, asymmetric pads, blocks of tiles that end inside
 * a tile row, output channels that are not a multiple of the GEMM tile, images larger than a block, bias, Relu and a
 * residual summand.
 */
class WinogradConvTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Test
    void matchesThePlainConvolution() {
        // {channels, outChannels, height, width, padTop, padLeft, padBottom, padRight}
        int[][] cases = {{32, 32, 8, 8, 1, 1, 1, 1}, {32, 40, 13, 13, 1, 1, 1, 1}, {48, 33, 7, 19, 0, 0, 0, 0},
            {32, 64, 1, 40, 1, 1, 1, 1}, {35, 32, 27, 3, 2, 0, 1, 2}, {64, 32, 30, 30, 1, 1, 1, 1}, {32, 36, 5, 53, 1, 2, 0, 1},
            {40, 32, 9, 11, 2, 2, 2, 2}, {32, 32, 12, 12, 0, 1, 0, 0}, {96, 24, 20, 20, 1, 1, 1, 1}, {32, 16, 6, 7, 1, 1, 1, 1}};
        Random r = new Random(5);
        for (int[] c : cases) {
            check(r, c, false);
            check(r, c, true);
        }
    }

    @Test
    void leavesSmallAndStridedConvolutionsToTheGemm() {
        assertFalse(Winograd.applies(geometry(16, 64, 10, 10, 1, 1, 1, 1, 1)), "too few input channels");
        assertFalse(Winograd.applies(geometry(64, 8, 10, 10, 1, 1, 1, 1, 1)), "too few output channels");
        assertFalse(Winograd.applies(geometry(64, 64, 10, 10, 1, 1, 1, 1, 2)), "stride 2");
    }

    private static ConvKernels.Geometry geometry(int ch, int m, int h, int w, int pt, int pl, int pb, int pr, int stride) {
        int oh = (h + pt + pb - 3) / stride + 1, ow = (w + pl + pr - 3) / stride + 1;
        return new ConvKernels.Geometry(2, ch, m, 1, new int[] {1, h, w}, new int[] {1, 3, 3}, new int[] {1, oh, ow},
                        new int[] {1, stride, stride}, new int[] {0, pt, pl}, new int[] {1, 1, 1});
    }

    private static void check(Random r, int[] c, boolean relu) {
        int ch = c[0], m = c[1], h = c[2], w = c[3];
        ConvKernels.Geometry g = geometry(ch, m, h, w, c[4], c[5], c[6], c[7], 1);
        int oh = g.out()[1], ow = g.out()[2];
        String name = ch + "->" + m + " " + h + "x" + w + " pads " + c[4] + "," + c[5] + "," + c[6] + "," + c[7] + " relu=" + relu;
        double[] x = random(r, 2 * ch * h * w), wt = random(r, m * ch * 9), bias = random(r, m);
        double[] expected = new double[2 * m * oh * ow];
        ConvKernels.conv(g, x, wt, bias, expected);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment xs = floats(arena, x), ws = floats(arena, wt), ys = arena.allocate(4L * expected.length);
            float[] b = ConvTestData.toFloats(bias);
            ConvKernels.Weights prepared = ConvKernels.prepare(g, ws);
            // The first calls run on the GEMM, the ones after on the Winograd form: all must match.
            for (int call = 0; call <= ConvKernels.Weights.GEMM_CALLS; call++) {
                String run = name + ", call " + call;
                ConvKernels.conv(g, xs, prepared, b, ys, relu);
                assertEquals(call == ConvKernels.Weights.GEMM_CALLS, prepared.usesWinograd(), run + ": on the Winograd form");
                for (int i = 0; i < expected.length; i++) {
                    double e = relu ? Math.max(0, expected[i]) : expected[i];
                    assertEquals(e, ys.getAtIndex(F, i), 1e-4 * (1 + Math.abs(e)), run + " at " + i);
                }
            }
            double[] summand = random(r, expected.length);
            MemorySegment zs = floats(arena, summand);
            ConvKernels.conv(g, xs, prepared, b, zs, relu, true);
            for (int i = 0; i < expected.length; i++) {
                double e = expected[i] + (float) summand[i];
                e = relu ? Math.max(0, e) : e;
                assertEquals(e, zs.getAtIndex(F, i), 1e-4 * (1 + Math.abs(e)), "summand, " + name + " at " + i);
            }
        }
    }
}
