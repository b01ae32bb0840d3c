package dev.dnnrun.language.ops.activation;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** Elu: x for x >= 0, alpha * (e^x - 1) below. */
public final class Elu extends UnaryElementwise {
    private final float alpha;

    public Elu(GraphNode node) {
        super(node);
        alpha = node.attributes().getFloat("alpha", 1.0f);
    }

    @Override
    protected double applyDouble(double x) {
        return x < 0 ? alpha * (Math.exp(x) - 1) : x;
    }
}
