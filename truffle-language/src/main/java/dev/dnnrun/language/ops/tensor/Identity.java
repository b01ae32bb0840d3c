package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.Tensor;

/** Identity: the output shares the input's buffer. */
public final class Identity extends OpNode {
    public Identity(GraphNode node) {
        super(node);
    }

    @Override
    protected Plan plan(Signature in) {
        return Plan.single(in.dtype(0), in.shape(0));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return new Tensor[]{inputs[0].share()};
    }
}
