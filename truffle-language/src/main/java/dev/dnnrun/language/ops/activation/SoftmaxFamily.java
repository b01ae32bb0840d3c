package dev.dnnrun.language.ops.activation;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.elementwise.Softmax.Mode;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Shared base of Softmax, LogSoftmax and Hardmax. Before opset 13 the input is coerced to 2-D at {@code axis}
 * (default 1) and the operation runs over the whole flattened tail; from 13 it runs along the single axis
 * (default -1). Either way the tensor is viewed as [outer, axis, inner].
 */
abstract class SoftmaxFamily extends OpNode {
    private final Mode mode;
    private final boolean coerce2d;
    private final long axis;

    SoftmaxFamily(GraphNode node, Mode mode) {
        super(node);
        this.mode = mode;
        coerce2d = node.opsetVersion() < 13;
        axis = node.attributes().getInt("axis", coerce2d ? 1 : -1);
    }

    static final class AxisPlan extends Plan {
        final long outer;
        final long axisSize;
        final long inner;

        AxisPlan(DType t, long[] shape, long outer, long axisSize, long inner) {
            super(new DType[]{t}, new long[][]{shape});
            this.outer = outer;
            this.axisSize = axisSize;
            this.inner = inner;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        if (!t.isFloating()) {
            throw new OperatorException("unsupported input type " + t);
        }
        long[] shape = in.shape(0);
        int rank = shape.length;
        long a = axis < 0 ? axis + rank : axis;
        // Coercion to 2-D also accepts axis == rank (everything in the outer part).
        if (a < 0 || a > rank || (!coerce2d && a == rank)) {
            throw new OperatorException("axis " + axis + " is out of range for rank " + rank);
        }
        long outer = 1;
        for (int d = 0; d < a; d++) {
            outer *= shape[d];
        }
        long middle = 1;
        long inner = 1;
        if (coerce2d) {
            for (int d = (int) a; d < rank; d++) {
                middle *= shape[d];
            }
        } else {
            middle = shape[(int) a];
            for (int d = (int) a + 1; d < rank; d++) {
                inner *= shape[d];
            }
        }
        return new AxisPlan(t, shape, outer, middle, inner);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        AxisPlan p = (AxisPlan) plan;
        Tensor x = inputs[0];
        Tensor out = plan.allocate(allocator);
        if (x.elementCount() == 0) {
            return new Tensor[]{out};
        }
        if (x.dtype() == DType.FLOAT) {
            dev.dnnrun.kernels.elementwise.Softmax.applyFloat(mode, x.segment(), out.segment(), p.outer, p.axisSize, p.inner);
        } else {
            double[] values = x.toDoubleArray();
            double[] result = new double[values.length];
            dev.dnnrun.kernels.elementwise.Softmax.applyDouble(mode, values, result, p.outer, p.axisSize, p.inner);
            for (int i = 0; i < result.length; i++) {
                out.dtype().setDouble(out.segment(), i, result[i]);
            }
        }
        return new Tensor[]{out};
    }
}
