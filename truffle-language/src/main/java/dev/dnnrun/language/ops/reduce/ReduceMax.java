package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.kernels.reduce.FloatReduce;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/** ReduceMax: maximum over the axes (bool inputs from opset 20). */
public final class ReduceMax extends Reduction {
    public ReduceMax(GraphNode node) {
        super(node, 18);
    }

    @Override
    protected double identity() {
        return Double.NEGATIVE_INFINITY;
    }

    @Override
    protected double combine(double acc, double x) {
        return Math.max(acc, x);
    }

    @Override
    protected boolean exactForIntegers() {
        return true;
    }

    @Override
    protected long identityLong(DType t) {
        return t.isUnsigned() || t == DType.BOOL ? 0 : Long.MIN_VALUE;
    }

    @Override
    protected long combineLong(long acc, long x) {
        return Math.max(acc, x);
    }

    @Override
    protected FloatReduce.Op floatOp() {
        return FloatReduce.Op.MAX;
    }
}
