package dev.dnnrun.language.ops.activation;

import dev.dnnrun.kernels.elementwise.Softmax.Mode;
import dev.dnnrun.language.graph.GraphNode;

/** Softmax: e^x normalised to sum 1 along an axis (max subtracted first for stability). */
public final class Softmax extends SoftmaxFamily {
    public Softmax(GraphNode node) {
        super(node, Mode.SOFTMAX);
    }
}
