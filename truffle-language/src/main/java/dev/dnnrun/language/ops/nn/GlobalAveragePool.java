package dev.dnnrun.language.ops.nn;

import dev.dnnrun.language.graph.GraphNode;

/** GlobalAveragePool (1, 22): the mean over all spatial positions of each [N, C] plane. */
public final class GlobalAveragePool extends GlobalPool {
    public GlobalAveragePool(GraphNode node) {
        super(node, false);
    }
}
