package dev.dnnrun.language.ops.activation;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** Sigmoid: 1 / (1 + e^-x). */
public final class Sigmoid extends UnaryElementwise {
    public Sigmoid(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.SIGMOID;
    }

    @Override
    protected double applyDouble(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }
}
