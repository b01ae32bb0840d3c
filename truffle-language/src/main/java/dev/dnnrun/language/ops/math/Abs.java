package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/** Abs: |x|; unsigned values are their own absolute value. */
public final class Abs extends UnaryElementwise {
    public Abs(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.ABS;
    }

    @Override
    protected boolean accepts(DType t) {
        return t.isNumeric();
    }

    @Override
    protected double applyDouble(double x) {
        return Math.abs(x);
    }

    @Override
    protected long applyLong(long x, DType type) {
        return type.isUnsigned() ? x : Math.abs(x);
    }
}
