package dev.dnnrun.language.ops.activation;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;

/** HardSwish: x * max(0, min(1, x / 6 + 1/2)). */
public final class HardSwish extends UnaryElementwise {
    public HardSwish(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.HARD_SWISH;
    }

    @Override
    protected double applyDouble(double x) {
        return x * Math.max(0, Math.min(1, x / 6 + 0.5));
    }
}
