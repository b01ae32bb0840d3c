package dev.dnnrun.language.ops.activation;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** Mish: x * tanh(softplus(x)). */
public final class Mish extends UnaryElementwise {
    public Mish(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return x * Math.tanh(x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
    }
}
