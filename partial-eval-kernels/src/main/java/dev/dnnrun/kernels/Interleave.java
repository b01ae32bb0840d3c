package dev.dnnrun.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Two-vector shuffles of the preferred float species for {@code a.rearrange(shuffle, b)}, which reads lane i of the
 * pair (a, b) from a when i is below the lane count L and from b at i - L otherwise. Kernels use them to split a row
 * into its even and odd columns (a stride-2 window's taps become consecutive) and to merge two rows back into one.
 */
public final class Interleave {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** Lanes 0, 2, 4, ... of the pair: the even columns of 2L consecutive floats. */
    public static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i);
    /** Lanes 1, 3, 5, ... of the pair: the odd columns of 2L consecutive floats. */
    public static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, i -> 2 * i + 1);
    /** a0, b0, a1, b1, ...: the first L floats of a and b interleaved. */
    public static final VectorShuffle<Float> ZIP_LOW = VectorShuffle.fromOp(S, i -> i / 2 + (i % 2) * L);
    /** The next L floats of a and b interleaved, starting at a[L / 2]. */
    public static final VectorShuffle<Float> ZIP_HIGH = VectorShuffle.fromOp(S, i -> L / 2 + i / 2 + (i % 2) * L);

    private Interleave() {
    }
}
