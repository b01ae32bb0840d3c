package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.kernels.reduce.FloatReduce;
import dev.dnnrun.language.graph.GraphNode;

/** ReduceL2: Euclidean norm over the axes. */
public final class ReduceL2 extends Reduction {
    public ReduceL2(GraphNode node) {
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
    protected double finish(double acc, long count) {
        return Math.sqrt(acc);
    }

    @Override
    protected FloatReduce.Op floatOp() {
        return FloatReduce.Op.L2;
    }
}
