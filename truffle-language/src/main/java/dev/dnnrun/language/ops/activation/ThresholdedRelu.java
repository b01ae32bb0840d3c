package dev.dnnrun.language.ops.activation;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** ThresholdedRelu: x where x > alpha, else 0. */
public final class ThresholdedRelu extends UnaryElementwise {
    private final float alpha;

    public ThresholdedRelu(GraphNode node) {
        super(node);
        alpha = node.attributes().getFloat("alpha", 1.0f);
    }

    @Override
    protected double applyDouble(double x) {
        return x > alpha ? x : 0;
    }
}
