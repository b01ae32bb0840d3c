package dev.dnnrun.language.ops.nn;

import dev.dnnrun.language.graph.GraphNode;

/** GlobalMaxPool (1, 22): the maximum over all spatial positions of each [N, C] plane. */
public final class GlobalMaxPool extends GlobalPool {
    public GlobalMaxPool(GraphNode node) {
        super(node, true);
    }
}
