package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/** Div: a / b with numpy broadcasting; integer division truncates toward zero. */
public final class Div extends BinaryElementwise {
    public Div(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatBinary.Op floatOp() {
        return FloatBinary.Op.DIV;
    }

    @Override
    protected boolean accepts(DType a, DType b) {
        return sameNumeric(a, b);
    }

    @Override
    protected double applyDouble(double x, double y) {
        return x / y;
    }

    @Override
    protected long applyLong(long x, long y, boolean unsigned64) {
        if (y == 0) {
            throw new dev.dnnrun.language.graph.OperatorException("integer division by zero");
        }
        return unsigned64 ? Long.divideUnsigned(x, y) : x / y;
    }
}
