package dev.dnnrun.language.ops.tensor;

import dev.dnnrun.language.graph.GraphNode;

/** CumProd: running products along an axis, optionally exclusive (shifted by one) and/or reversed. */
public final class CumProd extends Cumulative {
    public CumProd(GraphNode node) {
        super(node);
    }

    @Override
    protected double identity() {
        return 1;
    }

    @Override
    protected double combine(double acc, double v) {
        return acc * v;
    }

    @Override
    protected long combine(long acc, long v) {
        return acc * v;
    }
}
