package dev.dnnrun.language.ops.tensor;

import java.util.Arrays;

import dev.dnnrun.kernels.tensor.StridedCopy;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** Shape and axis arithmetic shared by the tensor and reduce operators. */
public final class Shapes {
    private Shapes() {
    }

    /** An axis in [-rank, rank) as a non-negative index. */
    public static int axis(long axis, int rank) {
        if (axis < -rank || axis >= rank) {
            throw new OperatorException("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) (axis < 0 ? axis + rank : axis);
    }

    /** Normalised, distinct axes. */
    public static int[] axes(long[] axes, int rank) {
        int[] out = new int[axes.length];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < axes.length; i++) {
            out[i] = axis(axes[i], rank);
            if (seen[out[i]]) {
                throw new OperatorException("axis " + axes[i] + " is repeated in " + Arrays.toString(axes));
            }
            seen[out[i]] = true;
        }
        return out;
    }

    /** Row-major element strides. */
    public static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= shape[d];
        }
        return s;
    }

    public static long count(long[] shape) {
        return Tensor.elementCount(shape);
    }

    /** Product of dims in [from, to). */
    public static long product(long[] shape, int from, int to) {
        long n = 1;
        for (int d = from; d < to; d++) {
            n *= shape[d];
        }
        return n;
    }

    /** Numpy-style broadcast of two shapes. */
    public static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i < r - a.length ? 1 : a[i - (r - a.length)];
            long db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new OperatorException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b)
                                + " cannot be broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Copies the strided view (element offset and strides into {@code src}) into the dense {@code dst}. */
    public static void stridedCopy(Tensor src, long offset, long[] strides, Tensor dst) {
        if (src.dtype() == DType.STRING) {
            StridedCopy.copy(src.strings(), offset, strides, dst.strings(), dst.shape());
        } else if (dst.elementCount() > 0) {
            StridedCopy.copy(src.segment(), offset, strides, dst.segment(), dst.shape(), src.dtype().byteSize);
        }
    }

    /** Fills {@code count} elements of {@code dst} from {@code dstIndex} with element {@code srcIndex} of {@code src}. */
    public static void fill(Tensor src, long srcIndex, Tensor dst, long dstIndex, long count) {
        if (count <= 0) {
            return;
        }
        if (src.dtype() == DType.STRING) {
            Arrays.fill(dst.strings(), (int) dstIndex, (int) (dstIndex + count), src.strings()[(int) srcIndex]);
            return;
        }
        // one element, then doubling copies of what is already written
        Tensor.copy(src, srcIndex, dst, dstIndex, 1);
        long done = 1;
        while (done < count) {
            long n = Math.min(done, count - done);
            Tensor.copy(dst, dstIndex, dst, dstIndex + done, n);
            done += n;
        }
    }

    /** A dtype from an ONNX data type code, or an error naming it. */
    public static DType dtype(long code) {
        DType t = DType.fromOnnx((int) code);
        if (t == null) {
            throw new OperatorException("data type " + DType.onnxName((int) code) + " is not supported");
        }
        return t;
    }

    public static long[] toLongs(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
