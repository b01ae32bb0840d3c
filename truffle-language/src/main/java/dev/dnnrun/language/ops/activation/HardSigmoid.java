package dev.dnnrun.language.ops.activation;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** HardSigmoid: max(0, min(1, alpha * x + beta)). */
public final class HardSigmoid extends UnaryElementwise {
    private final float alpha;
    private final float beta;

    public HardSigmoid(GraphNode node) {
        super(node);
        alpha = node.attributes().getFloat("alpha", 0.2f);
        beta = node.attributes().getFloat("beta", 0.5f);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.HARD_SIGMOID;
    }

    @Override
    protected float floatParam0() {
        return alpha;
    }

    @Override
    protected float floatParam1() {
        return beta;
    }

    @Override
    protected double applyDouble(double x) {
        return Math.max(0, Math.min(1, alpha * x + beta));
    }
}
