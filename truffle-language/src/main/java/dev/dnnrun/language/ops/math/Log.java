package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;

/** Log: natural logarithm. */
public final class Log extends UnaryElementwise {
    public Log(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatUnary.Op floatOp() {
        return FloatUnary.Op.LOG;
    }

    @Override
    protected double applyDouble(double x) {
        return Math.log(x);
    }
}
