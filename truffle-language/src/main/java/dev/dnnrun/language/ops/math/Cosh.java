package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Cosh: hyperbolic cosine. */
public final class Cosh extends UnaryElementwise {
    public Cosh(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.cosh(x);
    }
}
