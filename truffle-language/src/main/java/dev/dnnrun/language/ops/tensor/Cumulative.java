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
 * Base of CumSum and CumProd: a running combination along an axis, optionally exclusive (shifted by one) and/or
 * reversed. Subclasses give the identity and the combining step.
 */
abstract class Cumulative extends OpNode {
    private final boolean exclusive;
    private final boolean reverse;

    Cumulative(GraphNode node) {
        super(node);
        exclusive = node.attributes().getInt("exclusive", 0) != 0;
        reverse = node.attributes().getInt("reverse", 0) != 0;
    }

    protected abstract double identity();

    protected abstract double combine(double acc, double v);

    protected abstract long combine(long acc, long v);

    @Override
    public boolean isValueInput(int index) {
        return index == 1;
    }

    private static final class CumulativePlan extends Plan {
        final long outer;
        final long n;
        final long inner;

        CumulativePlan(DType t, long[] shape, long outer, long n, long inner) {
            super(new DType[]{t}, new long[][]{shape});
            this.outer = outer;
            this.n = n;
            this.inner = inner;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        if (!t.isNumeric()) {
            throw new OperatorException("unsupported type " + t);
        }
        long[] s = in.shape(0);
        long[] axis = in.longs(1);
        if (axis.length != 1) {
            throw new OperatorException("axis must be a scalar");
        }
        int a = Shapes.axis(axis[0], s.length);
        return new CumulativePlan(t, s, Shapes.product(s, 0, a), s[a], Shapes.product(s, a + 1, s.length));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        CumulativePlan p = (CumulativePlan) plan;
        Tensor x = inputs[0];
        DType t = x.dtype();
        boolean floating = t.isFloating();
        Tensor out = plan.allocate(allocator);
        for (long o = 0; o < p.outer; o++) {
            for (long i = 0; i < p.inner; i++) {
                double acc = identity();
                long lacc = (long) identity();
                for (long step = 0; step < p.n; step++) {
                    long k = reverse ? p.n - 1 - step : step;
                    long at = (o * p.n + k) * p.inner + i;
                    if (floating) {
                        double v = x.getDouble(at);
                        if (!exclusive) {
                            acc = combine(acc, v);
                        }
                        t.setDouble(out.segment(), at, acc);
                        if (exclusive) {
                            acc = combine(acc, v);
                        }
                    } else {
                        long v = x.getLong(at);
                        if (!exclusive) {
                            lacc = combine(lacc, v);
                        }
                        t.setLong(out.segment(), at, lacc);
                        if (exclusive) {
                            lacc = combine(lacc, v);
                        }
                    }
                }
            }
        }
        return new Tensor[]{out};
    }
}
