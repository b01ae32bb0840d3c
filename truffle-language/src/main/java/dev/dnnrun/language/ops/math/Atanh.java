package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Atanh: inverse hyperbolic tangent. */
public final class Atanh extends UnaryElementwise {
    public Atanh(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return 0.5 * Math.log((1 + x) / (1 - x));
    }
}
