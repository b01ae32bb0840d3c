package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.kernels.reduce.FloatReduce;
import dev.dnnrun.language.graph.GraphNode;

/** ReduceMean: arithmetic mean over the axes (NaN over an empty set). */
public final class ReduceMean extends Reduction {
    public ReduceMean(GraphNode node) {
        super(node, 18);
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
    protected double finish(double acc, long count) {
        return acc / count;
    }

    @Override
    protected FloatReduce.Op floatOp() {
        return FloatReduce.Op.MEAN;
    }
}
