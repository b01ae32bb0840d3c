package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Cos: cosine. */
public final class Cos extends UnaryElementwise {
    public Cos(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.cos(x);
    }
}
