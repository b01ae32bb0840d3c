package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/** IsNaN: a bool tensor, true where the input is NaN. */
public final class IsNaN extends UnaryElementwise {
    public IsNaN(GraphNode node) {
        super(node);
    }

    @Override
    protected DType outputType(DType t) {
        return DType.BOOL;
    }

    @Override
    protected double applyDouble(double x) {
        return Double.isNaN(x) ? 1 : 0;
    }
}
