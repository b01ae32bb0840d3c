package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.language.graph.GraphNode;

/** ReduceLogSum: log of the sum over the axes (-inf over an empty set). */
public final class ReduceLogSum extends Reduction {
    public ReduceLogSum(GraphNode node) {
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
        return Math.log(acc);
    }
}
