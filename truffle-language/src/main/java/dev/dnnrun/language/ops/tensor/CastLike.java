package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** CastLike: Cast to the dtype of the second input, with Cast's {@code saturate} and {@code round_mode}. */
public final class CastLike extends OpNode {
    private final boolean saturate;
    private final DType.E8M0Rounding rounding;

    public CastLike(GraphNode node) {
        super(node);
        saturate = Cast.saturate(node);
        rounding = Cast.rounding(node);
    }

    @Override
    protected Plan plan(Signature in) {
        return Plan.single(in.dtype(1), in.shape(0));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return new Tensor[]{Cast.convert(inputs[0], plan.outputType(0), saturate, rounding, allocator)};
    }
}
