package dev.dnnrun.language.ops.activation;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** LeakyRelu: x for x >= 0, alpha * x below. */
public final class LeakyRelu extends UnaryElementwise {
    private final float alpha;

    public LeakyRelu(GraphNode node) {
        super(node);
        alpha = node.attributes().getFloat("alpha", 0.01f);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.LEAKY_RELU;
    }

    @Override
    protected float floatParam0() {
        return alpha;
    }

    @Override
    protected double applyDouble(double x) {
        return x < 0 ? alpha * x : x;
    }
}
