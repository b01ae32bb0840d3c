package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Sin: sine. */
public final class Sin extends UnaryElementwise {
    public Sin(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.sin(x);
    }
}
