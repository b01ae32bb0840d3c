package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;

/** Reciprocal: 1 / x. */
public final class Reciprocal extends UnaryElementwise {
    public Reciprocal(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.RECIPROCAL;
    }

    @Override
    protected double applyDouble(double x) {
        return 1.0 / x;
    }
}
