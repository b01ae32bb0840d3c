package dev.dnnrun.kernels.pool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The fast 2-D max pooling paths give exactly the general path's results: asking for the indices output forces the
 * general window loop, which every other path must match.
 */
class PoolKernelsTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Test
    void sameSize3x3MatchesTheGeneralPath() {
        int[][] planeShapes = {{2, 2}, {2, 9}, {7, 7}, {3, 17}, {14, 14}, {28, 28}, {9, 2}};
        for (int[] hw : planeShapes) {
            int h = hw[0], w = hw[1];
            PoolKernels.Window win = window(5, h, w, 3, 1, 1, h, w);
            assertSameAsGeneral(win, h * w, h * w, hw);
        }
    }

    @Test
    void stridedWindowsMatchTheGeneralPath() {
        assertSameAsGeneral(window(3, 12, 11, 3, 2, 0, 5, 5), 12 * 11, 25, new int[]{12, 11});
        assertSameAsGeneral(window(3, 9, 9, 3, 2, 1, 5, 5), 81, 25, new int[]{9, 9});
        // Rows wide enough for the vector split of stride 2, with and without padding.
        assertSameAsGeneral(window(2, 40, 37, 3, 2, 0, 19, 18), 40 * 37, 19 * 18, new int[]{40, 37});
        assertSameAsGeneral(window(2, 56, 56, 3, 2, 1, 28, 28), 56 * 56, 28 * 28, new int[]{56, 56});
    }

    private static PoolKernels.Window window(int planes, int h, int w, int k, int stride, int pad, int oh, int ow) {
        return new PoolKernels.Window(planes, new int[]{1, h, w}, new int[]{1, k, k}, new int[]{1, oh, ow},
                        new int[]{1, stride, stride}, new int[]{0, pad, pad}, new int[]{0, pad, pad}, new int[]{1, 1, 1});
    }

    private static void assertSameAsGeneral(PoolKernels.Window win, int inPlane, int outPlane, int[] hw) {
        try (Arena arena = Arena.ofConfined()) {
            int planes = win.planes();
            MemorySegment x = arena.allocate(4L * planes * inPlane);
            Random random = new Random(inPlane * 31L + outPlane);
            for (long i = 0; i < (long) planes * inPlane; i++) {
                x.setAtIndex(F, i, random.nextFloat() * 2 - 1);
            }
            MemorySegment fast = arena.allocate(4L * planes * outPlane);
            MemorySegment general = arena.allocate(4L * planes * outPlane);
            MemorySegment indices = arena.allocate(8L * planes * outPlane);
            PoolKernels.maxPool(win, x, fast, null, false);
            PoolKernels.maxPool(win, x, general, indices, false);
            assertArrayEquals(general.toArray(F), fast.toArray(F), () -> "plane " + hw[0] + "x" + hw[1]);
        }
    }
}
