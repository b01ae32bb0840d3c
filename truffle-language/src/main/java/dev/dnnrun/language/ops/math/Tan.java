package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Tan: tangent. */
public final class Tan extends UnaryElementwise {
    public Tan(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.tan(x);
    }
}
