package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.language.graph.GraphNode;

/** ReduceLogSumExp: log(sum(exp(x))) over the axes, folded stably as a running log-sum. */
public final class ReduceLogSumExp extends Reduction {
    public ReduceLogSumExp(GraphNode node) {
        super(node, 18);
    }

    @Override
    protected double identity() {
        return Double.NEGATIVE_INFINITY;
    }

    @Override
    protected double combine(double acc, double x) {
        double hi = Math.max(acc, x);
        if (hi == Double.NEGATIVE_INFINITY || Double.isNaN(hi)) {
            return acc + x;
        }
        if (hi == Double.POSITIVE_INFINITY) {
            return hi;
        }
        return hi + Math.log1p(Math.exp(Math.min(acc, x) - hi));
    }
}
