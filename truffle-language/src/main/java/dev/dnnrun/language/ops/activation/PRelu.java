package dev.dnnrun.language.ops.activation;

import java.util.Arrays;

import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.language.ops.math.BinaryElementwise;
import dev.dnnrun.tensor.DType;

/** PRelu: x for x >= 0, slope * x below; the slope broadcasts to x's shape (unidirectionally). */
public final class PRelu extends BinaryElementwise {
    public PRelu(GraphNode node) {
        super(node, 1); // no legacy broadcast attributes: every version broadcasts
    }

    @Override
    protected Plan plan(Signature in) {
        Plan p = super.plan(in);
        if (!Arrays.equals(p.outputShape(0), in.shape(0))) {
            throw new OperatorException("slope " + Arrays.toString(in.shape(1)) + " does not broadcast to X "
                            + Arrays.toString(in.shape(0)));
        }
        return p;
    }

    /** Before opset 7 a 1-D slope of length C is per channel (axis 1), as exporters of that time produced it. */
    @Override
    protected long[] alignSecond(long[] x, long[] slope) {
        if (node.opsetVersion() < 7 && slope.length == 1 && x.length > 2 && slope[0] == x[1] && slope[0] != 1) {
            return alignAtAxis(x, slope, 1);
        }
        return slope;
    }

    @Override
    protected FloatBinary.Op floatOp() {
        return FloatBinary.Op.PRELU;
    }

    @Override
    protected boolean accepts(DType a, DType b) {
        return a == b && a.isNumeric();
    }

    @Override
    protected double applyDouble(double x, double y) {
        return x < 0 ? x * y : x;
    }

    @Override
    protected long applyLong(long x, long y, boolean unsigned64) {
        return x < 0 && !unsigned64 ? x * y : x;
    }
}
