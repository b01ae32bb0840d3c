package dev.dnnrun.language.ops.math;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.Parallel;
import dev.dnnrun.kernels.gemm.Sgemm;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * MatMul (1, 9, 13), numpy semantics: the last two axes multiply, leading (batch) axes broadcast; a 1-D A is a
 * row vector and a 1-D B a column vector, whose axis is dropped from the result. float32 runs the packed SGEMM
 * per batch; other numeric types a plain loop.
 */
public class MatMul extends OpNode {
    /** The product's scale (1 but for {@link FusedMatMul}). */
    private final float alpha;

    public MatMul(GraphNode node) {
        this(node, 1f);
    }

    protected MatMul(GraphNode node, float alpha) {
        super(node);
        this.alpha = alpha;
    }

    static final class MatMulPlan extends Plan {
        final int m, n, k;
        final long[] batch;      // broadcast batch shape
        final long[] aBatch, bBatch; // operand batch shapes, left-padded with 1 to batch.length

        MatMulPlan(DType t, long[] out, int m, int n, int k, long[] batch, long[] aBatch, long[] bBatch) {
            super(new DType[]{t}, new long[][]{out});
            this.m = m;
            this.n = n;
            this.k = k;
            this.batch = batch;
            this.aBatch = aBatch;
            this.bBatch = bBatch;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        if (alpha != 1f && in.dtype(0) != DType.FLOAT) {
            throw new OperatorException("a scaled MatMul runs float32 only, got " + in.dtype(0));
        }
        DType t = in.dtype(0);
        if (in.dtype(1) != t) {
            throw new OperatorException("A and B must have the same dtype, got " + t + " and " + in.dtype(1));
        }
        if (!t.isNumeric()) {
            throw new OperatorException("unsupported dtype " + t);
        }
        long[] a = in.shape(0), b = in.shape(1);
        if (a.length == 0 || b.length == 0) {
            throw new OperatorException("MatMul operands must have rank >= 1");
        }
        long[] a2 = a.length == 1 ? new long[]{1, a[0]} : a;
        long[] b2 = b.length == 1 ? new long[]{b[0], 1} : b;
        long m = a2[a2.length - 2], k = a2[a2.length - 1], kb = b2[b2.length - 2], n = b2[b2.length - 1];
        if (k != kb) {
            throw new OperatorException("inner dimensions differ: " + Arrays.toString(a) + " x " + Arrays.toString(b));
        }
        int rank = Math.max(a2.length, b2.length) - 2;
        long[] batch = new long[rank], ab = new long[rank], bb = new long[rank];
        for (int i = 0; i < rank; i++) {
            int ai = i - (rank - (a2.length - 2)), bi = i - (rank - (b2.length - 2));
            ab[i] = ai < 0 ? 1 : a2[ai];
            bb[i] = bi < 0 ? 1 : b2[bi];
            if (ab[i] != bb[i] && ab[i] != 1 && bb[i] != 1) {
                throw new OperatorException("batch dims do not broadcast: " + Arrays.toString(a) + " x " + Arrays.toString(b));
            }
            batch[i] = ab[i] == 1 ? bb[i] : ab[i];
        }
        long[] out = Arrays.copyOf(batch, rank + (a.length == 1 ? 0 : 1) + (b.length == 1 ? 0 : 1));
        int at = rank;
        if (a.length != 1) {
            out[at++] = m;
        }
        if (b.length != 1) {
            out[at] = n;
        }
        return new MatMulPlan(t, out, Math.toIntExact(m), Math.toIntExact(n), Math.toIntExact(k), batch, ab, bb);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] in, BufferAllocator allocator) {
        MatMulPlan p = (MatMulPlan) plan;
        Tensor a = in[0], b = in[1];
        Tensor y = plan.allocate(allocator);
        long count = Tensor.elementCount(p.batch);
        if (y.dtype() == DType.FLOAT) {
            // Whole products per thread when there are enough of them (attention's heads): no operand is packed twice,
            // as it is when one product's columns or rows are split.
            int products = Math.toIntExact(count);
            long work = products >= Parallel.threads() ? count * p.m * p.n * p.k : 0;
            Parallel.forRange(products, 1, work, (from, to) -> {
                for (int e = from; e < to; e++) {
                    Sgemm.sgemm(false, false, p.m, p.n, p.k, alpha, a.segment(), batchOffset(p.aBatch, p.batch, e) * p.m * p.k, p.k,
                                    b.segment(), batchOffset(p.bBatch, p.batch, e) * p.k * p.n, p.n, 0f, y.segment(), (long) e * p.m * p.n, p.n);
                }
            }, a.segment(), b.segment(), y.segment());
            return new Tensor[]{y};
        }
        DType t = y.dtype();
        for (long e = 0; e < count; e++) {
            long ao = batchOffset(p.aBatch, p.batch, e) * p.m * p.k;
            long bo = batchOffset(p.bBatch, p.batch, e) * p.k * p.n;
            long yo = e * p.m * p.n;
            for (int i = 0; i < p.m; i++) {
                for (int j = 0; j < p.n; j++) {
                    double s = 0;
                    long si = 0;
                    for (int q = 0; q < p.k; q++) {
                        long x1 = ao + (long) i * p.k + q, x2 = bo + (long) q * p.n + j;
                        if (t.isFloating()) {
                            s += a.getDouble(x1) * b.getDouble(x2);
                        } else {
                            si += a.getLong(x1) * b.getLong(x2);
                        }
                    }
                    if (t.isFloating()) {
                        t.setDouble(y.segment(), yo + (long) i * p.n + j, alpha * s);
                    } else {
                        t.setLong(y.segment(), yo + (long) i * p.n + j, si);
                    }
                }
            }
        }
        return new Tensor[]{y};
    }

    /** The index of batch entry {@code e} (row-major over {@code batch}) in an operand whose batch axes are {@code dims}, size-1 axes broadcast. */
    private static long batchOffset(long[] dims, long[] batch, long e) {
        long offset = 0, stride = 1;
        for (int d = batch.length - 1; d >= 0; d--) {
            long i = e % batch[d];
            e /= batch[d];
            if (dims[d] != 1) {
                offset += i * stride;
            }
            stride *= dims[d];
        }
        return offset;
    }
}
