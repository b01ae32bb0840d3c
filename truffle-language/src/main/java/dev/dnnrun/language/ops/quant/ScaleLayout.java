package dev.dnnrun.language.ops.quant;

import java.util.Arrays;

import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.ops.tensor.Shapes;

/**
 * Where the scale (and zero point) of each element of {@code x} lives, for the three quantization granularities the
 * scale's shape selects: per tensor (one value), per axis (a 1-D scale along {@code axis}) and blocked (the scale has
 * x's shape with the axis divided into blocks of {@code blockSize}). x is seen as [outer, n, inner] around the axis.
 */
final class ScaleLayout {
    final long outer;
    final long n;
    final long inner;
    final long block;
    final long outerStride;
    final long axisStride;
    final long innerStride;

    private ScaleLayout(long outer, long n, long inner, long block, long outerStride, long axisStride, long innerStride) {
        this.outer = outer;
        this.n = n;
        this.inner = inner;
        this.block = block;
        this.outerStride = outerStride;
        this.axisStride = axisStride;
        this.innerStride = innerStride;
    }

    static ScaleLayout of(long[] x, long[] scale, long[] zeroPoint, long axisAttr, long blockSize) {
        // a scalar and a one-element 1-D tensor both mean per tensor, so they may be mixed
        boolean bothSingle = zeroPoint != null && scale.length <= 1 && zeroPoint.length <= 1 && Shapes.count(scale) == 1
                        && Shapes.count(zeroPoint) == 1;
        if (zeroPoint != null && !bothSingle && !Arrays.equals(scale, zeroPoint)) {
            throw new OperatorException("zero point shape " + Arrays.toString(zeroPoint) + " differs from scale shape "
                            + Arrays.toString(scale));
        }
        long count = Shapes.count(x);
        if (blockSize <= 0 && Shapes.count(scale) == 1 && scale.length <= 1) {
            return new ScaleLayout(1, count, 1, 1, 0, 0, 0);
        }
        int axis = Shapes.axis(axisAttr, x.length);
        long outer = Shapes.product(x, 0, axis);
        long n = x[axis];
        long inner = Shapes.product(x, axis + 1, x.length);
        if (blockSize <= 0) {
            if (scale.length != 1 || scale[0] != n) {
                throw new OperatorException("per-axis scale must have shape [" + n + "], got " + Arrays.toString(scale));
            }
            return new ScaleLayout(outer, n, inner, 1, 0, 1, 0);
        }
        long blocks = (n + blockSize - 1) / blockSize;
        boolean fits = scale.length == x.length;
        for (int d = 0; fits && d < x.length; d++) {
            fits = scale[d] == (d == axis ? blocks : x[d]);
        }
        if (!fits) {
            throw new OperatorException("blocked scale shape " + Arrays.toString(scale) + " does not fit input "
                            + Arrays.toString(x) + " with block_size " + blockSize + " on axis " + axis);
        }
        return new ScaleLayout(outer, n, inner, blockSize, blocks * inner, inner, 1);
    }

    /** Index into the scale of x's element at (o, k, i). */
    long index(long o, long k, long i) {
        return o * outerStride + (k / block) * axisStride + i * innerStride;
    }
}
