package dev.dnnrun.language.ops.activation;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** Softsign: x / (1 + |x|). */
public final class Softsign extends UnaryElementwise {
    public Softsign(GraphNode node) {
        super(node);
    }

    @Override
    protected double applyDouble(double x) {
        return x / (1 + Math.abs(x));
    }
}
