package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Acos: arccosine. */
public final class Acos extends UnaryElementwise {
    public Acos(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.acos(x);
    }
}
