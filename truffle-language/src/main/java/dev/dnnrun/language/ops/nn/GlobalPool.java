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

/** Base of GlobalAveragePool and GlobalMaxPool: one value per [N, C] plane; output [N, C, 1, ...]. */
abstract class GlobalPool extends OpNode {
    private final boolean max;

    GlobalPool(GraphNode node, boolean max) {
        super(node);
        this.max = max;
    }

    @Override
    protected Plan plan(Signature in) {
        long[] x = in.shape(0);
        if (x.length < 2) {
            throw new OperatorException("X needs rank >= 2, got " + Arrays.toString(x));
        }
        if (in.dtype(0) != DType.FLOAT && in.dtype(0) != DType.DOUBLE) {
            throw new OperatorException("unsupported dtype " + in.dtype(0));
        }
        long[] out = new long[x.length];
        Arrays.fill(out, 1);
        out[0] = x[0];
        out[1] = x[1];
        return Plan.single(in.dtype(0), out);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor x = inputs[0];
        Tensor y = plan.allocate(allocator);
        long planes = y.elementCount();
        long size = planes == 0 ? 0 : x.elementCount() / planes;
        if (x.dtype() == DType.FLOAT) {
            PoolKernels.globalPool(x.segment(), y.segment(), Math.toIntExact(planes), size, max);
        } else {
            for (long p = 0; p < planes; p++) {
                double acc = max ? Double.NEGATIVE_INFINITY : 0;
                for (long i = 0; i < size; i++) {
                    double v = x.getDouble(p * size + i);
                    acc = max ? Math.max(acc, v) : acc + v;
                }
                DType.DOUBLE.setDouble(y.segment(), p, max ? acc : acc / size);
            }
        }
        return new Tensor[]{y};
    }
}
