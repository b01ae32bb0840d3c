package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.kernels.reduce.FloatReduce;
import dev.dnnrun.language.graph.GraphNode;

/** ReduceL1: sum of absolute values over the axes. */
public final class ReduceL1 extends Reduction {
    public ReduceL1(GraphNode node) {
        super(node, 18);
    }

    @Override
    protected double identity() {
        return 0;
    }

    @Override
    protected double combine(double acc, double x) {
        return acc + Math.abs(x);
    }

    @Override
    protected boolean exactForIntegers() {
        return true;
    }

    @Override
    protected long combineLong(long acc, long x) {
        return acc + Math.abs(x);
    }

    @Override
    protected FloatReduce.Op floatOp() {
        return FloatReduce.Op.L1;
    }
}
