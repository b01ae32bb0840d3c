package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** CumProd: running products along an axis, optionally exclusive (shifted by one) and/or reversed. */
public final class CumProd extends OpNode {
    private final boolean exclusive;
    private final boolean reverse;

    public CumProd(GraphNode node) {
        super(node);
        exclusive = node.attributes().getInt("exclusive", 0) != 0;
        reverse = node.attributes().getInt("reverse", 0) != 0;
    }

    @Override
    public boolean isValueInput(int index) {
        return index == 1;
    }

    private static final class CumProdPlan extends Plan {
        final long outer;
        final long n;
        final long inner;

        CumProdPlan(DType t, long[] shape, long outer, long n, long inner) {
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
        return new CumProdPlan(t, s, Shapes.product(s, 0, a), s[a], Shapes.product(s, a + 1, s.length));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        CumProdPlan p = (CumProdPlan) plan;
        Tensor x = inputs[0];
        DType t = x.dtype();
        boolean floating = t.isFloating();
        Tensor out = plan.allocate(allocator);
        for (long o = 0; o < p.outer; o++) {
            for (long i = 0; i < p.inner; i++) {
                double product = 1;
                long lproduct = 1;
                for (long step = 0; step < p.n; step++) {
                    long k = reverse ? p.n - 1 - step : step;
                    long at = (o * p.n + k) * p.inner + i;
                    if (floating) {
                        double v = x.getDouble(at);
                        if (!exclusive) {
                            product *= v;
                        }
                        t.setDouble(out.segment(), at, product);
                        if (exclusive) {
                            product *= v;
                        }
                    } else {
                        long v = x.getLong(at);
                        if (!exclusive) {
                            lproduct *= v;
                        }
                        t.setLong(out.segment(), at, lproduct);
                        if (exclusive) {
                            lproduct *= v;
                        }
                    }
                }
            }
        }
        return new Tensor[]{out};
    }
}
