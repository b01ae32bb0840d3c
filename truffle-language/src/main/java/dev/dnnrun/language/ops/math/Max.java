package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.language.graph.GraphNode;


/** Max: elementwise maximum of all inputs, broadcast together (NaN wins, as in numpy). */
public final class Max extends VariadicElementwise {
    public Max(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatBinary.Op floatOp() {
        return FloatBinary.Op.MAX;
    }

    @Override
    protected double applyDouble(double x, double y) {
        return Math.max(x, y);
    }

    @Override
    protected long applyLong(long x, long y, boolean unsigned64) {
        return (unsigned64 ? Long.compareUnsigned(x, y) : Long.compare(x, y)) >= 0 ? x : y;
    }
}
