package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Asin: arcsine. */
public final class Asin extends UnaryElementwise {
    public Asin(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.asin(x);
    }
}
