package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.Tensor;

/** Flatten: a zero-copy 2-D view [prod(dims before axis), prod(dims from axis)]. */
public final class Flatten extends OpNode {
    private final long axis;

    public Flatten(GraphNode node) {
        super(node);
        axis = node.attributes().getInt("axis", 1);
        if (axis < 0 && node.opsetVersion() < 11) {
            throw new OperatorException("negative axis " + axis + " needs opset 11");
        }
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        int r = s.length;
        if (axis < -r || axis > r) {
            throw new OperatorException("axis " + axis + " is out of range for rank " + r);
        }
        int a = (int) (axis < 0 ? axis + r : axis);
        return Plan.single(in.dtype(0), new long[]{Shapes.product(s, 0, a), Shapes.product(s, a, r)});
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return new Tensor[]{inputs[0].view(plan.outputShape(0))};
    }
}
