package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/** Mul: a * b with numpy broadcasting (integers wrap). */
public final class Mul extends BinaryElementwise {
    public Mul(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatBinary.Op floatOp() {
        return FloatBinary.Op.MUL;
    }

    @Override
    protected boolean accepts(DType a, DType b) {
        return sameNumeric(a, b);
    }

    @Override
    protected double applyDouble(double x, double y) {
        return x * y;
    }

    @Override
    protected long applyLong(long x, long y, boolean unsigned64) {
        return x * y;
    }
}
