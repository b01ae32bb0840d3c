package dev.dnnrun.language.ops.activation;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** Softplus: ln(1 + e^x), computed without overflow for large x. */
public final class Softplus extends UnaryElementwise {
    public Softplus(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    }
}
