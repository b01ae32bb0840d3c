package dev.dnnrun.language.ops.reduce;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/** ReduceProd: product over the axes. */
public final class ReduceProd extends Reduction {
    public ReduceProd(GraphNode node) {
        super(node, 18);
    }

    @Override
    protected double identity() {
        return 1;
    }

    @Override
    protected double combine(double acc, double x) {
        return acc * x;
    }

    @Override
    protected boolean exactForIntegers() {
        return true;
    }

    @Override
    protected long identityLong(DType t) {
        return 1;
    }

    @Override
    protected long combineLong(long acc, long x) {
        return acc * x;
    }
}
