package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.kernels.reduce.FloatReduce;
import dev.dnnrun.language.graph.GraphNode;

/** ReduceSum: sum over the axes (axes became an input in opset 13). */
public final class ReduceSum extends Reduction {
    public ReduceSum(GraphNode node) {
        super(node, 13);
    }

    @Override
    protected double identity() {
        return 0;
    }

    @Override
    protected double combine(double acc, double x) {
        return acc + x;
    }

    @Override
    protected boolean exactForIntegers() {
        return true;
    }

    @Override
    protected long combineLong(long acc, long x) {
        return acc + x;
    }

    @Override
    protected FloatReduce.Op floatOp() {
        return FloatReduce.Op.SUM;
    }
}
