package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Atan: arctangent. */
public final class Atan extends UnaryElementwise {
    public Atan(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.atan(x);
    }
}
