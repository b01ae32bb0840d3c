package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.language.graph.GraphNode;

/** ArgMax: index of the largest element along an axis. */
public final class ArgMax extends ArgReduction {
    public ArgMax(GraphNode node) {
        super(node);
    }

    @Override
    protected boolean better(double x, double best) {
        return x > best;
    }
}
