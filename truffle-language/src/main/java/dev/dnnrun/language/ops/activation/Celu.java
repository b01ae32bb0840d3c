package dev.dnnrun.language.ops.activation;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** Celu: max(0, x) + min(0, alpha * (e^(x / alpha) - 1)). */
public final class Celu extends UnaryElementwise {
    private final float alpha;

    public Celu(GraphNode node) {
        super(node);
        alpha = node.attributes().getFloat("alpha", 1.0f);
    }

    @Override
    protected double applyDouble(double x) {
        return Math.max(0, x) + Math.min(0, alpha * (Math.exp(x / alpha) - 1));
    }
}
