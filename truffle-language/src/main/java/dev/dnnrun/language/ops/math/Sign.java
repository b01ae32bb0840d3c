package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/** Sign: -1, 0 or 1 by the sign of x (NaN stays NaN). */
public final class Sign extends UnaryElementwise {
    public Sign(GraphNode node) {
        super(node);
    }

    @Override
    protected boolean accepts(DType t) {
        return t.isNumeric();
    }

    @Override
    protected double applyDouble(double x) {
        return Math.signum(x);
    }

    @Override
    protected long applyLong(long x, DType type) {
        return type.isUnsigned() ? (x != 0 ? 1 : 0) : Long.signum(x);
    }
}
