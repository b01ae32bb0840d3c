package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Gather: picks slices along {@code axis} by index. Output shape is data[:axis] + indices + data[axis+1:];
 * each (outer, index) pair copies one contiguous block. Negative indices count from the end.
 */
public final class Gather extends OpNode {
    private final long axis;

    public Gather(GraphNode node) {
        super(node);
        axis = node.attributes().getInt("axis", 0);
    }

    private static final class GatherPlan extends Plan {
        final long outer;
        final long dim;
        final long inner;

        GatherPlan(DType t, long[] shape, long outer, long dim, long inner) {
            super(new DType[]{t}, new long[][]{shape});
            this.outer = outer;
            this.dim = dim;
            this.inner = inner;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        long[] idx = in.shape(1);
        if (in.dtype(1) != DType.INT32 && in.dtype(1) != DType.INT64) {
            throw new OperatorException("indices must be int32 or int64, got " + in.dtype(1));
        }
        int a = Shapes.axis(axis, s.length);
        long[] out = new long[s.length - 1 + idx.length];
        int k = 0;
        for (int d = 0; d < a; d++) {
            out[k++] = s[d];
        }
        for (long d : idx) {
            out[k++] = d;
        }
        for (int d = a + 1; d < s.length; d++) {
            out[k++] = s[d];
        }
        return new GatherPlan(in.dtype(0), out, Shapes.product(s, 0, a), s[a], Shapes.product(s, a + 1, s.length));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        GatherPlan p = (GatherPlan) plan;
        Tensor data = inputs[0];
        Tensor indices = inputs[1];
        long n = indices.elementCount();
        long[] idx = new long[(int) n];
        for (int j = 0; j < n; j++) {
            long v = indices.getLong(j);
            if (v < -p.dim || v >= p.dim) {
                throw new OperatorException("index " + v + " is out of range for an axis of size " + p.dim);
            }
            idx[j] = v < 0 ? v + p.dim : v;
        }
        Tensor out = plan.allocate(allocator);
        long pos = 0;
        for (long o = 0; o < p.outer; o++) {
            long base = o * p.dim * p.inner;
            for (int j = 0; j < n; j++) {
                Tensor.copy(data, base + idx[j] * p.inner, out, pos, p.inner);
                pos += p.inner;
            }
        }
        return new Tensor[]{out};
    }
}
