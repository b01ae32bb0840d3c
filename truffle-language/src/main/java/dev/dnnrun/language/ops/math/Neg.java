package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/** Neg: -x (integers wrap). */
public final class Neg extends UnaryElementwise {
    public Neg(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.NEG;
    }

    @Override
    protected boolean accepts(DType t) {
        return t.isNumeric();
    }

    @Override
    protected double applyDouble(double x) {
        return -x;
    }

    @Override
    protected long applyLong(long x, DType type) {
        return -x;
    }
}
