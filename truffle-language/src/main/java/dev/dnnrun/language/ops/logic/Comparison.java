package dev.dnnrun.language.ops.logic;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.ops.math.BinaryElementwise;
import dev.dnnrun.tensor.DType;

/**
 * Base of the comparison operators: broadcast two same-typed inputs and produce a bool tensor. Any comparison
 * with NaN is false, and -0.0 equals 0.0, as IEEE says.
 */
abstract class Comparison extends BinaryElementwise {
    Comparison(GraphNode node) {
        super(node);
    }

    /** Whether the relation holds for an ordering result (negative, zero or positive). */
    protected abstract boolean holds(int order);

    @Override
    protected boolean accepts(DType a, DType b) {
        return a == b && a.isNumeric();
    }

    @Override
    protected DType outputType(DType a, DType b) {
        return DType.BOOL;
    }

    @Override
    protected double applyDouble(double x, double y) {
        if (Double.isNaN(x) || Double.isNaN(y)) {
            return 0;
        }
        return holds(x < y ? -1 : x > y ? 1 : 0) ? 1 : 0;
    }

    @Override
    protected long applyLong(long x, long y, boolean unsigned64) {
        return holds(unsigned64 ? Long.compareUnsigned(x, y) : Long.compare(x, y)) ? 1 : 0;
    }
}
