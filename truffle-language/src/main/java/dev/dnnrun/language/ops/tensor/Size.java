package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** Size: the input's element count as an int64 scalar. */
public final class Size extends OpNode {
    public Size(GraphNode node) {
        super(node);
    }

    @Override
    protected Plan plan(Signature in) {
        return Plan.single(DType.INT64, new long[0]);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor out = plan.allocate(allocator);
        DType.INT64.setLong(out.segment(), 0, inputs[0].elementCount());
        return new Tensor[]{out};
    }
}
