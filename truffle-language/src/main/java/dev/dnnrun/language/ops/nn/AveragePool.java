package dev.dnnrun.language.ops.nn;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.pool.PoolKernels;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.Tensor;

/** AveragePool (1, 7, 10, 11, 19, 22): mean over sliding windows. float32. */
public final class AveragePool extends OpNode {
    private final Windows windows;
    private final boolean countIncludePad;

    public AveragePool(GraphNode node) {
        super(node);
        windows = new Windows(node.attributes(), true);
        countIncludePad = node.attributes().getInt("count_include_pad", 0) != 0;
    }

    @Override
    protected Plan plan(Signature in) {
        MaxPool.PoolPlan p = MaxPool.planPool(in, windows);
        return p;
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor y = plan.allocate(allocator, 0);
        if (y.elementCount() > 0) {
            PoolKernels.averagePool(((MaxPool.PoolPlan) plan).window, inputs[0].segment(), y.segment(), countIncludePad);
        }
        return new Tensor[]{y};
    }
}
