package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.language.graph.GraphNode;

/** ArgMin: index of the smallest element along an axis. */
public final class ArgMin extends ArgReduction {
    public ArgMin(GraphNode node) {
        super(node);
    }

    @Override
    protected boolean better(double x, double best) {
        return x < best;
    }
}
