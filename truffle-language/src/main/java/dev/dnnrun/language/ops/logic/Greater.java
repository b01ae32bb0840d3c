package dev.dnnrun.language.ops.logic;

import dev.dnnrun.language.graph.GraphNode;

/** Greater: true where a is greater than b (numpy broadcasting). */
public final class Greater extends Comparison {
    public Greater(GraphNode node) {
        super(node);
    }

    @Override
    protected boolean holds(int order) {
        return order > 0;
    }
}
