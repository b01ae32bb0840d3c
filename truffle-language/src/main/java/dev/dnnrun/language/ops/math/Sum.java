package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.language.graph.GraphNode;


/** Sum: elementwise sum of all inputs, broadcast together. */
public final class Sum extends VariadicElementwise {
    public Sum(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatBinary.Op floatOp() {
        return FloatBinary.Op.ADD;
    }

    @Override
    protected double applyDouble(double x, double y) {
        return x + y;
    }

    @Override
    protected long applyLong(long x, long y, boolean unsigned64) {
        return x + y;
    }
}
