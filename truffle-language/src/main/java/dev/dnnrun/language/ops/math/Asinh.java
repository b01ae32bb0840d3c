package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Asinh: inverse hyperbolic sine. */
public final class Asinh extends UnaryElementwise {
    public Asinh(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.copySign(Math.log(Math.abs(x) + Math.sqrt(x * x + 1)), x);
    }
}
