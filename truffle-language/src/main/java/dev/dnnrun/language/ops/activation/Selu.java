package dev.dnnrun.language.ops.activation;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** Selu: gamma * x for x > 0, gamma * alpha * (e^x - 1) otherwise. */
public final class Selu extends UnaryElementwise {
    private final float alpha;
    private final float gamma;

    public Selu(GraphNode node) {
        super(node);
        alpha = node.attributes().getFloat("alpha", 1.67326319217681884765625f);
        gamma = node.attributes().getFloat("gamma", 1.05070102214813232421875f);
    }

    @Override
    protected double applyDouble(double x) {
        return x > 0 ? gamma * x : gamma * alpha * (Math.exp(x) - 1);
    }
}
