package dev.dnnrun.language.ops.nn;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.pool.PoolKernels;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** MaxPool (1, 8, 10, 11, 12, 22): max over sliding windows, with optional int64 Indices output. float32. */
public final class MaxPool extends OpNode {
    private final Windows windows;
    private final boolean columnMajor;

    public MaxPool(GraphNode node) {
        super(node);
        windows = new Windows(node.attributes(), true);
        columnMajor = node.attributes().getInt("storage_order", 0) != 0;
    }

    static final class PoolPlan extends Plan {
        final PoolKernels.Window window;

        PoolPlan(long[] outShape, PoolKernels.Window window) {
            super(new DType[]{DType.FLOAT, DType.INT64}, new long[][]{outShape, outShape});
            this.window = window;
        }
    }

    /** Shared by MaxPool and AveragePool: validates X and resolves the window. */
    static PoolPlan planPool(Signature in, Windows windows) {
        if (in.dtype(0) != DType.FLOAT) {
            throw new OperatorException("only float32 pooling is supported, got " + in.dtype(0));
        }
        long[] x = in.shape(0);
        if (x.length < 3) {
            throw new OperatorException("X needs rank >= 3, got " + Arrays.toString(x));
        }
        Windows.Resolved r = windows.resolve(Arrays.copyOfRange(x, 2, x.length), windows.kernelShape);
        PoolKernels.Window w = new PoolKernels.Window(Math.toIntExact(x[0] * x[1]), r.in(), r.kernel(), r.out(),
                        r.stride(), r.padBegin(), r.padEnd(), r.dilation());
        return new PoolPlan(Windows.concat(x[0], x[1], r.outSpatial()), w);
    }

    @Override
    protected Plan plan(Signature in) {
        return planPool(in, windows);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        PoolPlan p = (PoolPlan) plan;
        Tensor y = plan.allocate(allocator, 0);
        boolean wantIndices = node.outputs().size() > 1 && !node.outputs().get(1).isEmpty();
        Tensor indices = wantIndices ? plan.allocate(allocator, 1) : null;
        if (y.elementCount() > 0) {
            PoolKernels.maxPool(p.window, inputs[0].segment(), y.segment(), indices == null ? null : indices.segment(),
                            columnMajor);
        }
        return new Tensor[]{y, indices};
    }
}
