package dev.dnnrun.language.ops.activation;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** Tanh: hyperbolic tangent. */
public final class Tanh extends UnaryElementwise {
    public Tanh(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.TANH;
    }

    @Override
    protected double applyDouble(double x) {
        return Math.tanh(x);
    }
}
