package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.tensor.DType;

/** BitShift: shifts unsigned integers left or right by the second input's amounts (broadcast). */
public final class BitShift extends BinaryElementwise {
    private final boolean left;

    public BitShift(GraphNode node) {
        super(node);
        String direction = node.attributes().getString("direction", "");
        if (!direction.equals("LEFT") && !direction.equals("RIGHT")) {
            throw new OperatorException("direction must be LEFT or RIGHT, got '" + direction + "'");
        }
        left = direction.equals("LEFT");
    }

    @Override
    protected boolean accepts(DType a, DType b) {
        return a == b && a.isUnsigned();
    }

    @Override
    protected double applyDouble(double x, double y) {
        throw new IllegalStateException("BitShift works on integers");
    }

    @Override
    protected long applyLong(long x, long y, boolean unsigned64) {
        // Shifting by the type's width or more gives 0 (the result is stored back truncated to the width).
        if (y < 0 || y >= 64) {
            return 0;
        }
        return left ? x << y : x >>> y;
    }
}
