package dev.dnnrun.accel.support;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.UnsupportedSegmentException;

/**
 * An ONNX Gemm, or a MatMul of two 2-D inputs, as one row-major product
 * {@code y[rows, cols] = alpha * op(A)[rows, inner] * op(B)[inner, cols] + beta * C}, with ONNX's defaults applied once:
 * {@code op(X)} is X, or its transpose where transA/transB is set, read from X's row-major bytes as they are; alpha
 * is 1 and beta 0 without a C (and for MatMul). Sizes may be -1, unknown at load time.
 */
public record Gemm(long rows, long cols, long inner, boolean transA, boolean transB, float alpha, float beta) {

    /** The product {@code op} computes from inputs of shapes {@code a} and {@code b}: both 2-D, equal inner sizes where known. */
    public static Gemm of(OpView op, long[] a, long[] b) throws UnsupportedSegmentException {
        String type = op.opType();
        if (a.length != 2 || b.length != 2) {
            throw new UnsupportedSegmentException(type + " with inputs of ranks " + a.length + " and " + b.length);
        }
        boolean gemm = type.equals("Gemm");
        boolean ta = gemm && op.intAttr("transA", 0) != 0, tb = gemm && op.intAttr("transB", 0) != 0;
        long k = ta ? a[0] : a[1], kb = tb ? b[1] : b[0];
        if (k >= 0 && kb >= 0 && k != kb) {
            throw new UnsupportedSegmentException(type + " inner dimensions differ: " + k + " and " + kb);
        }
        return new Gemm(ta ? a[1] : a[0], tb ? b[0] : b[1], k, ta, tb, gemm ? (float) op.floatAttr("alpha", 1) : 1f,
                        gemm && op.hasInput(2) ? (float) op.floatAttr("beta", 1) : 0f);
    }

    /** The element strides of op(A), [rows, inner], over A's row-major bytes. */
    public long[] stridesA() {
        return transA ? new long[] { 1, rows } : new long[] { inner, 1 };
    }

    /** The element strides of op(B), [inner, cols], over B's row-major bytes. */
    public long[] stridesB() {
        return transB ? new long[] { 1, inner } : new long[] { cols, 1 };
    }
}
