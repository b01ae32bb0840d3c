package dev.dnnrun.language.ops.logic;

import dev.dnnrun.language.graph.GraphNode;

/** Less: true where a is less than b (numpy broadcasting). */
public final class Less extends Comparison {
    public Less(GraphNode node) {
        super(node);
    }

    @Override
    protected boolean holds(int order) {
        return order < 0;
    }
}
