package dev.dnnrun.kernels.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Copies a strided view of a source buffer into a dense row-major destination: the one data-movement kernel
 * behind Transpose, Slice, Expand, Tile, DepthToSpace and SpaceToDepth. Strides are in elements and may be zero
 * (broadcast). Adjacent dimensions that are contiguous in the source are merged first, so a slice of whole rows
 * becomes one block copy and a transpose of a matrix becomes a tiled 2-D transpose.
 */
public final class StridedCopy {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final int TILE = 32;

    private StridedCopy() {
    }

    /** Copies elements of {@code elemSize} bytes from {@code src} (view given by offset and strides) to {@code dst}. */
    public static void copy(MemorySegment src, long srcOffset, long[] srcStrides, MemorySegment dst, long[] shape,
                    int elemSize) {
        long[][] c = coalesce(shape, srcStrides);
        long[] dims = c[0];
        long[] strides = c[1];
        int r = dims.length;
        if (r == 0) {
            if (count(shape) == 1) {
                MemorySegment.copy(src, srcOffset * elemSize, dst, 0, elemSize);
            }
            return;
        }
        if (count(dims) == 0) {
            return;
        }
        if (r >= 2 && strides[r - 2] == 1 && strides[r - 1] != 1 && strides[r - 1] != 0) {
            transposeTiles(src, srcOffset, dims, strides, dst, elemSize);
            return;
        }
        long n = dims[r - 1];
        long stride = strides[r - 1];
        long[] idx = new long[r - 1];
        long srcRow = srcOffset;
        long rows = count(dims) / n;
        long dstOff = 0;
        for (long row = 0; row < rows; row++) {
            copyRow(src, srcRow, stride, dst, dstOff, n, elemSize);
            dstOff += n;
            for (int d = r - 2; d >= 0; d--) {
                srcRow += strides[d];
                if (++idx[d] < dims[d]) {
                    break;
                }
                srcRow -= strides[d] * dims[d];
                idx[d] = 0;
            }
        }
    }

    /** The same for object elements (string tensors). */
    public static void copy(Object[] src, long srcOffset, long[] srcStrides, Object[] dst, long[] shape) {
        long[][] c = coalesce(shape, srcStrides);
        long[] dims = c[0];
        long[] strides = c[1];
        int r = dims.length;
        long total = count(dims);
        long[] idx = new long[r];
        long s = srcOffset;
        for (long i = 0; i < total; i++) {
            dst[(int) i] = src[(int) s];
            for (int d = r - 1; d >= 0; d--) {
                s += strides[d];
                if (++idx[d] < dims[d]) {
                    break;
                }
                s -= strides[d] * dims[d];
                idx[d] = 0;
            }
        }
    }

    private static void copyRow(MemorySegment src, long srcIndex, long stride, MemorySegment dst, long dstIndex, long n,
                    int es) {
        if (stride == 1) {
            MemorySegment.copy(src, srcIndex * es, dst, dstIndex * es, n * es);
            return;
        }
        switch (es) {
            case 4 -> {
                for (long i = 0; i < n; i++) {
                    dst.set(I32, (dstIndex + i) * 4, src.get(I32, (srcIndex + i * stride) * 4));
                }
            }
            case 8 -> {
                for (long i = 0; i < n; i++) {
                    dst.set(I64, (dstIndex + i) * 8, src.get(I64, (srcIndex + i * stride) * 8));
                }
            }
            case 2 -> {
                for (long i = 0; i < n; i++) {
                    dst.set(I16, (dstIndex + i) * 2, src.get(I16, (srcIndex + i * stride) * 2));
                }
            }
            case 1 -> {
                for (long i = 0; i < n; i++) {
                    dst.set(ValueLayout.JAVA_BYTE, dstIndex + i, src.get(ValueLayout.JAVA_BYTE, srcIndex + i * stride));
                }
            }
            default -> {
                for (long i = 0; i < n; i++) {
                    MemorySegment.copy(src, (srcIndex + i * stride) * es, dst, (dstIndex + i) * es, es);
                }
            }
        }
    }

    /**
     * The last two (merged) dimensions form a matrix transpose: destination rows read source columns. Copying in
     * square tiles keeps both sides in cache.
     */
    private static void transposeTiles(MemorySegment src, long srcOffset, long[] dims, long[] strides, MemorySegment dst,
                    int es) {
        int r = dims.length;
        long rowsOut = dims[r - 2]; // source stride 1
        long colsOut = dims[r - 1]; // source stride colStride
        long colStride = strides[r - 1];
        long plane = rowsOut * colsOut;
        long planes = count(dims) / plane;
        long[] idx = new long[r - 2];
        long srcBase = srcOffset;
        for (long p = 0; p < planes; p++) {
            long dstBase = p * plane;
            for (long i0 = 0; i0 < rowsOut; i0 += TILE) {
                long i1 = Math.min(rowsOut, i0 + TILE);
                for (long j0 = 0; j0 < colsOut; j0 += TILE) {
                    long j1 = Math.min(colsOut, j0 + TILE);
                    for (long i = i0; i < i1; i++) {
                        copyRow(src, srcBase + i + j0 * colStride, colStride, dst, dstBase + i * colsOut + j0, j1 - j0, es);
                    }
                }
            }
            for (int d = r - 3; d >= 0; d--) {
                srcBase += strides[d];
                if (++idx[d] < dims[d]) {
                    break;
                }
                srcBase -= strides[d] * dims[d];
                idx[d] = 0;
            }
        }
    }

    /** Drops size-1 dimensions and merges neighbours that are contiguous in the source. */
    static long[][] coalesce(long[] shape, long[] strides) {
        long[] dims = new long[shape.length];
        long[] st = new long[shape.length];
        int r = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) {
                continue;
            }
            if (shape[d] == 0) {
                return new long[][]{new long[]{0}, new long[]{0}};
            }
            if (r > 0 && st[r - 1] == strides[d] * shape[d]) {
                dims[r - 1] *= shape[d];
                st[r - 1] = strides[d];
            } else {
                dims[r] = shape[d];
                st[r] = strides[d];
                r++;
            }
        }
        return new long[][]{java.util.Arrays.copyOf(dims, r), java.util.Arrays.copyOf(st, r)};
    }

    private static long count(long[] dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }
}
