package dev.dnnrun.language.ops.logic;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.UnaryElementwise;
import dev.dnnrun.tensor.DType;

/** Not: logical negation of a bool tensor. */
public final class Not extends UnaryElementwise {
    public Not(GraphNode node) {
        super(node);
    }

    @Override
    protected boolean accepts(DType t) {
        return t == DType.BOOL;
    }

    @Override
    protected double applyDouble(double x) {
        throw new IllegalStateException("Not works on bools");
    }

    @Override
    protected long applyLong(long x, DType type) {
        return x == 0 ? 1 : 0;
    }
}
