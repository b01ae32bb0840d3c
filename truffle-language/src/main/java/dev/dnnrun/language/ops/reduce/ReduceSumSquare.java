package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.kernels.reduce.FloatReduce;
import dev.dnnrun.language.graph.GraphNode;

/** ReduceSumSquare: sum of squares over the axes. */
public final class ReduceSumSquare extends Reduction {
    public ReduceSumSquare(GraphNode node) {
        super(node, 18);
    }

    @Override
    protected double identity() {
        return 0;
    }

    @Override
    protected double combine(double acc, double x) {
        return acc + x * x;
    }

    @Override
    protected boolean exactForIntegers() {
        return true;
    }

    @Override
    protected long combineLong(long acc, long x) {
        return acc + x * x;
    }

    @Override
    protected FloatReduce.Op floatOp() {
        return FloatReduce.Op.SUM_SQUARE;
    }
}
