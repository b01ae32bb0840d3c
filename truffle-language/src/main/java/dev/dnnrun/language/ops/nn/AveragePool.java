package dev.dnnrun.language.ops.nn;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.pool.PoolKernels;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** AveragePool (1, 7, 10, 11, 19, 22): mean over sliding windows. float32 fast path;
 * float64/float16/bfloat16 through doubles. */
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
        return MaxPool.planPool(in, windows, false);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor y = plan.allocate(allocator, 0);
        PoolKernels.Window w = ((MaxPool.PoolPlan) plan).window;
        if (y.elementCount() == 0) {
            return new Tensor[]{y};
        }
        if (y.dtype() == DType.FLOAT) {
            PoolKernels.averagePool(w, inputs[0].segment(), y.segment(), countIncludePad);
        } else {
            double[] out = new double[Math.toIntExact(y.elementCount())];
            PoolKernels.averagePool(w, inputs[0].toDoubleArray(), out, countIncludePad);
            Windows.store(out, y);
        }
        return new Tensor[]{y};
    }
}
