package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.kernels.reduce.FloatReduce;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/** ReduceMin: minimum over the axes (bool inputs from opset 20). */
public final class ReduceMin extends Reduction {
    public ReduceMin(GraphNode node) {
        super(node, 18);
    }

    @Override
    protected double identity() {
        return Double.POSITIVE_INFINITY;
    }

    @Override
    protected double combine(double acc, double x) {
        return Math.min(acc, x);
    }

    @Override
    protected boolean exactForIntegers() {
        return true;
    }

    @Override
    protected long identityLong(DType t) {
        return t == DType.BOOL ? 1 : t == DType.UINT64 ? -1L : Long.MAX_VALUE;
    }

    @Override
    protected long combineLong(long acc, long x) {
        return Math.min(acc, x);
    }

    @Override
    protected FloatReduce.Op floatOp() {
        return FloatReduce.Op.MIN;
    }
}
