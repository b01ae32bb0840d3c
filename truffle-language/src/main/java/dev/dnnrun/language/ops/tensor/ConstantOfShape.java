package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** ConstantOfShape: a tensor of the given shape filled with the one-element {@code value} (float32 0 by default). */
public final class ConstantOfShape extends OpNode {
    private final Tensor value;

    public ConstantOfShape(GraphNode node) {
        super(node);
        value = node.attributes().getTensor("value");
        if (value != null && value.elementCount() != 1) {
            throw new OperatorException("attribute 'value' must hold one element, it has " + value.elementCount());
        }
    }

    @Override
    public boolean isValueInput(int index) {
        return index == 0;
    }

    @Override
    protected Plan plan(Signature in) {
        if (in.rank(0) != 1 || in.dtype(0) != DType.INT64) {
            throw new OperatorException("the shape input must be a 1-D int64 tensor");
        }
        long[] shape = in.longs(0);
        for (long d : shape) {
            if (d < 0) {
                throw new OperatorException("negative dimension " + d + " in the requested shape");
            }
        }
        return Plan.single(value == null ? DType.FLOAT : value.dtype(), shape);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        if (value == null) {
            return new Tensor[]{Tensor.zeros(allocator, DType.FLOAT, plan.outputShape(0))};
        }
        Tensor out = plan.allocate(allocator);
        Shapes.fill(value, 0, out, 0, out.elementCount());
        return new Tensor[]{out};
    }
}
