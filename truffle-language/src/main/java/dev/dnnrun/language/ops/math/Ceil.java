package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/** Ceil: smallest integer not below x. */
public final class Ceil extends UnaryElementwise {
    public Ceil(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.ceil(x);
    }
}
