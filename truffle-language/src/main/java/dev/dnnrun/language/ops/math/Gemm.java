package dev.dnnrun.language.ops.math;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.gemm.Sgemm;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Gemm (1, 6, 7, 9, 11, 13): {@code Y = alpha * op(A) * op(B) + beta * C}, C broadcast to [M, N] (optional since
 * opset 11). float32 runs the packed SGEMM; other numeric types a plain loop in double or long arithmetic.
 */
public final class Gemm extends OpNode {
    private final boolean transA;
    private final boolean transB;
    private final float alpha;
    private final float beta;

    public Gemm(GraphNode node) {
        super(node);
        transA = node.attributes().getInt("transA", 0) != 0;
        transB = node.attributes().getInt("transB", 0) != 0;
        alpha = node.attributes().getFloat("alpha", 1f);
        beta = node.attributes().getFloat("beta", 1f);
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        if (in.dtype(1) != t || (in.has(2) && in.dtype(2) != t)) {
            throw new OperatorException("A, B and C must have the same dtype");
        }
        if (!t.isNumeric() || t == DType.FLOAT16 || t == DType.BFLOAT16 || t == DType.BOOL) {
            throw new OperatorException("unsupported dtype " + t);
        }
        long[] a = in.shape(0);
        long[] b = in.shape(1);
        if (a.length != 2 || b.length != 2) {
            throw new OperatorException("A and B must be 2-D, got " + Arrays.toString(a) + " and " + Arrays.toString(b));
        }
        long m = transA ? a[1] : a[0];
        long k = transA ? a[0] : a[1];
        long kb = transB ? b[1] : b[0];
        long n = transB ? b[0] : b[1];
        if (k != kb) {
            throw new OperatorException("inner dimensions differ: " + k + " vs " + kb);
        }
        if (in.has(2)) {
            long[] c = in.shape(2);
            if (c.length > 2 || (c.length == 2 && (c[0] != 1 && c[0] != m || c[1] != 1 && c[1] != n))
                            || (c.length == 1 && c[0] != 1 && c[0] != n)) {
                throw new OperatorException("C " + Arrays.toString(c) + " does not broadcast to [" + m + ", " + n + "]");
            }
        }
        return Plan.single(t, new long[]{m, n});
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] in, BufferAllocator allocator) {
        Tensor a = in[0], b = in[1];
        Tensor c = in.length > 2 ? in[2] : null;
        Tensor y = plan.allocate(allocator);
        int m = Math.toIntExact(y.shape()[0]), n = Math.toIntExact(y.shape()[1]);
        int k = Math.toIntExact(transA ? a.shape()[0] : a.shape()[1]);
        boolean withC = c != null && beta != 0f;
        DType t = y.dtype();
        // Y starts as beta * broadcast(C) (or zero), then the product is accumulated into it.
        long cRows = withC && c.rank() == 2 ? c.shape()[0] : 1;
        long cCols = !withC ? 1 : c.rank() == 2 ? c.shape()[1] : c.rank() == 1 ? c.shape()[0] : 1;
        for (long i = 0; i < m; i++) {
            for (long j = 0; j < n; j++) {
                long at = i * n + j;
                if (!withC) {
                    t.setLong(y.segment(), at, 0);
                } else {
                    long ci = (cRows == 1 ? 0 : i) * cCols + (cCols == 1 ? 0 : j);
                    if (t.isFloating()) {
                        t.setDouble(y.segment(), at, beta * c.getDouble(ci));
                    } else {
                        t.setLong(y.segment(), at, (long) (beta * c.getLong(ci)));
                    }
                }
            }
        }
        if (t == DType.FLOAT) {
            Sgemm.sgemm(transA, transB, m, n, k, alpha, a.segment(), 0, Math.toIntExact(a.shape()[1]), b.segment(), 0,
                            Math.toIntExact(b.shape()[1]), 1f, y.segment(), 0, n);
        } else {
            long lda = a.shape()[1], ldb = b.shape()[1];
            for (long i = 0; i < m; i++) {
                for (long j = 0; j < n; j++) {
                    double s = 0;
                    long si = 0;
                    for (long p = 0; p < k; p++) {
                        long ai = transA ? p * lda + i : i * lda + p;
                        long bi = transB ? j * ldb + p : p * ldb + j;
                        if (t.isFloating()) {
                            s += a.getDouble(ai) * b.getDouble(bi);
                        } else {
                            si += a.getLong(ai) * b.getLong(bi);
                        }
                    }
                    long at = i * n + j;
                    if (t.isFloating()) {
                        t.setDouble(y.segment(), at, y.getDouble(at) + alpha * s);
                    } else {
                        t.setLong(y.segment(), at, y.getLong(at) + (long) (alpha * si));
                    }
                }
            }
        }
        return new Tensor[]{y};
    }
}
