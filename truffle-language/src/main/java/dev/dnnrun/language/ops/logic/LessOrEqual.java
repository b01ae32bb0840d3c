package dev.dnnrun.language.ops.logic;

import dev.dnnrun.language.graph.GraphNode;

/** LessOrEqual: true where a is less than or equal to b (numpy broadcasting). */
public final class LessOrEqual extends Comparison {
    public LessOrEqual(GraphNode node) {
        super(node);
    }

    @Override
    protected boolean holds(int order) {
        return order <= 0;
    }
}
