package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/** Pow: a ^ b with numpy broadcasting; the exponent may have another numeric type, the result has the base type. */
public final class Pow extends BinaryElementwise {
    public Pow(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatBinary.Op floatOp() {
        return FloatBinary.Op.POW;
    }

    @Override
    protected boolean accepts(DType a, DType b) {
        return a.isNumeric() && b.isNumeric();
    }

    /** Integer powers also go through Math.pow; storing converts back to the base type. */
    @Override
    protected boolean computesInDouble(DType a, DType b) {
        return true;
    }

    @Override
    protected double applyDouble(double x, double y) {
        return Math.pow(x, y);
    }

    @Override
    protected long applyLong(long x, long y, boolean unsigned64) {
        throw new IllegalStateException("Pow computes in doubles");
    }
}
