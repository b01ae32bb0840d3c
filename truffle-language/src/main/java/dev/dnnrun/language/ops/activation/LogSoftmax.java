package dev.dnnrun.language.ops.activation;

import dev.dnnrun.kernels.elementwise.Softmax.Mode;
import dev.dnnrun.language.graph.GraphNode;

/** LogSoftmax: x - max - ln(sum e^(x - max)) along an axis. */
public final class LogSoftmax extends SoftmaxFamily {
    public LogSoftmax(GraphNode node) {
        super(node, Mode.LOG_SOFTMAX);
    }
}
