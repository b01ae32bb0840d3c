package dev.dnnrun.language.ops.logic;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.BinaryElementwise;
import dev.dnnrun.tensor.DType;

/** Or: elementwise a or b on bool tensors (numpy broadcasting). */
public final class Or extends BinaryElementwise {
    public Or(GraphNode node) {
        super(node);
    }

    @Override
    protected boolean accepts(DType a, DType b) {
        return a == DType.BOOL && b == DType.BOOL;
    }

    @Override
    protected double applyDouble(double x, double y) {
        throw new IllegalStateException("Or works on bools");
    }

    @Override
    protected long applyLong(long x, long y, boolean unsigned64) {
        return x | y;
    }
}
