package dev.dnnrun.language.ops.activation;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;
import dev.dnnrun.tensor.DType;

/** Relu: max(x, 0); signed integers too (opset 14). */
public final class Relu extends UnaryElementwise {
    public Relu(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.RELU;
    }

    @Override
    protected boolean accepts(DType t) {
        return t.isNumeric();
    }

    @Override
    protected double applyDouble(double x) {
        return Math.max(x, 0.0);
    }

    @Override
    protected long applyLong(long x, DType type) {
        return Math.max(x, 0);
    }
}
