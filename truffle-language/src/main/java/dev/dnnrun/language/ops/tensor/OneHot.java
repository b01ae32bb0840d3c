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
 * OneHot: a new axis of size depth where position indices[..] holds values[1] and every other position
 * values[0]. Negative indices count from the end; indices outside [-depth, depth) give an all-off row.
 */
public final class OneHot extends OpNode {
    private final long axis;

    public OneHot(GraphNode node) {
        super(node);
        axis = node.attributes().getInt("axis", -1);
    }

    @Override
    public boolean isValueInput(int index) {
        return index == 1;
    }

    private static final class OneHotPlan extends Plan {
        final long outer;
        final long depth;
        final long inner;

        OneHotPlan(DType t, long[] shape, long outer, long depth, long inner) {
            super(new DType[]{t}, new long[][]{shape});
            this.outer = outer;
            this.depth = depth;
            this.inner = inner;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        double[] d = in.doubles(1);
        if (d.length != 1) {
            throw new OperatorException("depth must hold one value");
        }
        long depth = (long) d[0];
        if (depth <= 0) {
            throw new OperatorException("depth must be positive, got " + depth);
        }
        if (Shapes.count(in.shape(2)) != 2) {
            throw new OperatorException("values must hold [off_value, on_value]");
        }
        int r = s.length + 1;
        int a = Shapes.axis(axis, r);
        long[] out = new long[r];
        for (int i = 0, k = 0; i < r; i++) {
            out[i] = i == a ? depth : s[k++];
        }
        return new OneHotPlan(in.dtype(2), out, Shapes.product(s, 0, a), depth, Shapes.product(s, a, s.length));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        OneHotPlan p = (OneHotPlan) plan;
        Tensor indices = inputs[0];
        Tensor values = inputs[2];
        Tensor out = plan.allocate(allocator);
        Shapes.fill(values, 0, out, 0, out.elementCount());
        for (long o = 0; o < p.outer; o++) {
            for (long i = 0; i < p.inner; i++) {
                double raw = indices.getDouble(o * p.inner + i);
                long v = (long) raw;
                if (v < 0) {
                    v += p.depth;
                }
                if (v >= 0 && v < p.depth) {
                    Tensor.copy(values, 1, out, (o * p.depth + v) * p.inner + i, 1);
                }
            }
        }
        return new Tensor[]{out};
    }
}
