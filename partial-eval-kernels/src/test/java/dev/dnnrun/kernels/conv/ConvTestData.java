package dev.dnnrun.kernels.conv;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Inputs for the convolution kernel tests: random values exactly representable as floats, and their float copies. */
final class ConvTestData {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private ConvTestData() {
    }

    /** The values as floats in a segment of {@code arena}. */
    static MemorySegment floats(Arena arena, double[] v) {
        MemorySegment s = arena.allocate(4L * v.length, 64);
        for (int i = 0; i < v.length; i++) {
            s.setAtIndex(F, i, (float) v[i]);
        }
        return s;
    }

    /** The values as a float array (a bias). */
    static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** n values in [-1, 1), each a float, so that the float and double convolutions start from the same numbers. */
    static double[] random(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextFloat() * 2 - 1);
        }
        return v;
    }
}
