package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Floor: largest integer not above x. */
public final class Floor extends UnaryElementwise {
    public Floor(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.floor(x);
    }
}
