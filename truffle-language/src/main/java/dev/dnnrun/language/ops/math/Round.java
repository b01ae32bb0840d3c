package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Round: to the nearest integer, halves to even. */
public final class Round extends UnaryElementwise {
    public Round(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.rint(x);
    }
}
