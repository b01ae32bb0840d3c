package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.DType;

/** IsInf: a bool tensor, true where the input is an infinity of a selected sign. */
public final class IsInf extends UnaryElementwise {
    private final boolean negative;
    private final boolean positive;

    public IsInf(GraphNode node) {
        super(node);
        negative = node.attributes().getInt("detect_negative", 1) != 0;
        positive = node.attributes().getInt("detect_positive", 1) != 0;
    }

    @Override
    protected DType outputType(DType t) {
        return DType.BOOL;
    }

    @Override
    protected double applyDouble(double x) {
        boolean hit = (positive && x == Double.POSITIVE_INFINITY) || (negative && x == Double.NEGATIVE_INFINITY);
        return hit ? 1 : 0;
    }
}
