package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;

/** Exp: e to the power x. */
public final class Exp extends UnaryElementwise {
    public Exp(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.EXP;
    }

    @Override
    protected double applyDouble(double x) {
        return Math.exp(x);
    }
}
