package dev.dnnrun.language.ops.logic;

import dev.dnnrun.language.graph.GraphNode;

/** GreaterOrEqual: true where a is greater than or equal to b (numpy broadcasting). */
public final class GreaterOrEqual extends Comparison {
    public GreaterOrEqual(GraphNode node) {
        super(node);
    }

    @Override
    protected boolean holds(int order) {
        return order >= 0;
    }
}
