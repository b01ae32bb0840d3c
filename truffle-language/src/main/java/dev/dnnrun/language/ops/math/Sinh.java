package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Sinh: hyperbolic sine. */
public final class Sinh extends UnaryElementwise {
    public Sinh(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.sinh(x);
    }
}
