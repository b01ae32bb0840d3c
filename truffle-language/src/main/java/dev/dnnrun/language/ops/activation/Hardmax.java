package dev.dnnrun.language.ops.activation;

import dev.dnnrun.kernels.elementwise.Softmax.Mode;
import dev.dnnrun.language.graph.GraphNode;

/** Hardmax: 1 at the first maximum along an axis, 0 elsewhere. */
public final class Hardmax extends SoftmaxFamily {
    public Hardmax(GraphNode node) {
        super(node, Mode.HARDMAX);
    }
}
