package dev.dnnrun.kernels.conv;

import static dev.dnnrun.kernels.conv.ConvTestData.floats;
import static dev.dnnrun.kernels.conv.ConvTestData.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The float32 transposed convolution against the double-precision scatter loop: 2-wide, stride-2 kernels (the
 * interleaving path, with rows shorter and longer than a vector, overlapping rows and a cropped top) and others.
 */
class ConvTransposeTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Test
    void matchesTheScatterLoop() {
        // {channels, outChannels, height, width, kernel h, kernel w, stride h, stride w, pad top, pad left}
        int[][] cases = {{24, 24, 12, 20, 2, 2, 2, 2, 0, 0}, {5, 3, 7, 9, 3, 2, 2, 2, 1, 0}, {4, 1, 6, 17, 2, 2, 2, 2, 0, 0},
            {3, 2, 5, 3, 2, 2, 1, 2, 0, 0}, {4, 3, 6, 7, 3, 3, 2, 2, 1, 1}, {2, 2, 4, 5, 2, 2, 2, 2, 0, 1}};
        Random r = new Random(3);
        for (int[] c : cases) {
            check(r, c);
        }
    }

    private static void check(Random r, int[] c) {
        int ch = c[0], m = c[1], h = c[2], w = c[3], kh = c[4], kw = c[5], sh = c[6], sw = c[7], pt = c[8], pl = c[9];
        int oh = (h - 1) * sh - 2 * pt + kh, ow = (w - 1) * sw - 2 * pl + kw;
        ConvKernels.Geometry g = new ConvKernels.Geometry(2, ch, m, 1, new int[] {1, h, w}, new int[] {1, kh, kw},
                        new int[] {1, oh, ow}, new int[] {1, sh, sw}, new int[] {0, pt, pl}, new int[] {1, 1, 1});
        double[] x = random(r, 2 * ch * h * w), wt = random(r, ch * m * kh * kw), bias = random(r, m);
        double[] expected = new double[2 * m * oh * ow];
        ConvKernels.convTranspose(g, x, wt, bias, expected);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment ys = arena.allocate(4L * expected.length);
            float[] b = ConvTestData.toFloats(bias);
            ConvKernels.convTranspose(g, floats(arena, x), floats(arena, wt), b, ys);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], ys.getAtIndex(F, i), 1e-4 * (1 + Math.abs(expected[i])),
                                "case " + java.util.Arrays.toString(c) + " at " + i);
            }
        }
    }
}
