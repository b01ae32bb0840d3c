package dev.dnnrun.kernels;

import jdk.incubator.vector.FloatVector;

/** Vector reductions whose result does not depend on whether the code is interpreted or compiled. */
public final class Lanes {
    private Lanes() {
    }

    /**
     * The lanes of {@code s} summed in a fixed order, first to last, through {@code lanes} (scratch of at least the
     * lane count): {@code reduceLanes}' order is unspecified and differs between the interpreter and C2.
     */
    public static float sum(FloatVector s, float[] lanes) {
        s.intoArray(lanes, 0);
        float sum = 0f;
        for (int q = 0, n = s.length(); q < n; q++) {
            sum += lanes[q];
        }
        return sum;
    }
}
