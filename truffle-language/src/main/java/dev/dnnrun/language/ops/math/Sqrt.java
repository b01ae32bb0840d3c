package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;

/** Sqrt: square root. */
public final class Sqrt extends UnaryElementwise {
    public Sqrt(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.SQRT;
    }

    @Override
    protected double applyDouble(double x) {
        return Math.sqrt(x);
    }
}
