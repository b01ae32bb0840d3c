package dev.dnnrun.language.ops.math;

import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.tensor.Tensor;

/** Mean: elementwise mean of all inputs, broadcast together (floating types only). */
public final class Mean extends VariadicElementwise {
    public Mean(GraphNode node) {
        super(node);
    }

    @Override
    protected FloatBinary.Op floatOp() {
        return FloatBinary.Op.ADD;
    }

    @Override
    protected boolean floatingOnly() {
        return true;
    }

    @Override
    protected double applyDouble(double x, double y) {
        return x + y;
    }

    @Override
    protected long applyLong(long x, long y, boolean unsigned64) {
        throw new IllegalStateException("Mean is floating only");
    }

    /** Divides the accumulated sum by the number of inputs. */
    @Override
    protected void finish(Tensor out, int inputCount) {
        long n = out.elementCount();
        for (long i = 0; i < n; i++) {
            out.dtype().setDouble(out.segment(), i, out.dtype().getDouble(out.segment(), i) / inputCount);
        }
    }
}
