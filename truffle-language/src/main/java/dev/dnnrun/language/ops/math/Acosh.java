package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Acosh: inverse hyperbolic cosine. */
public final class Acosh extends UnaryElementwise {
    public Acosh(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.log(x + Math.sqrt(x * x - 1));
    }
}
