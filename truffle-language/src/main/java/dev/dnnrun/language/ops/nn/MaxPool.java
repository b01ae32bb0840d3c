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

/** MaxPool (1, 8, 10, 11, 12, 22): max over sliding windows, with optional int64 Indices output. float32 fast path;
 * float64/float16/bfloat16/int8/uint8 through doubles. */
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

        PoolPlan(DType type, long[] outShape, PoolKernels.Window window) {
            super(new DType[]{type, DType.INT64}, new long[][]{outShape, outShape});
            this.window = window;
        }
    }

    /**
     * Shared by MaxPool and AveragePool: validates X and resolves the window. Floating inputs are accepted, and
     * int8/uint8 when {@code bytes} (MaxPool only).
     */
    static PoolPlan planPool(Signature in, Windows windows, boolean bytes) {
        DType t = in.dtype(0);
        boolean ok = switch (t) {
            case FLOAT, DOUBLE, FLOAT16, BFLOAT16 -> true;
            case INT8, UINT8 -> bytes;
            default -> false;
        };
        if (!ok) {
            throw new OperatorException("pooling does not support " + t + " inputs");
        }
        long[] x = in.shape(0);
        if (x.length < 3) {
            throw new OperatorException("X needs rank >= 3, got " + Arrays.toString(x));
        }
        Windows.Resolved r = windows.resolve(Arrays.copyOfRange(x, 2, x.length), windows.kernelShape);
        PoolKernels.Window w = new PoolKernels.Window(Math.toIntExact(x[0] * x[1]), r.in(), r.kernel(), r.out(),
                        r.stride(), r.padBegin(), r.padEnd(), r.dilation());
        return new PoolPlan(t, Windows.concat(x[0], x[1], r.outSpatial()), w);
    }

    @Override
    protected Plan plan(Signature in) {
        return planPool(in, windows, true);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        PoolPlan p = (PoolPlan) plan;
        Tensor y = plan.allocate(allocator, 0);
        boolean wantIndices = node.outputs().size() > 1 && !node.outputs().get(1).isEmpty();
        Tensor indices = wantIndices ? plan.allocate(allocator, 1) : null;
        if (y.elementCount() == 0) {
            return new Tensor[]{y, indices};
        }
        if (y.dtype() == DType.FLOAT) {
            PoolKernels.maxPool(p.window, inputs[0].segment(), y.segment(), indices == null ? null : indices.segment(),
                            columnMajor);
        } else {
            double[] out = new double[Math.toIntExact(y.elementCount())];
            long[] at = indices == null ? null : new long[out.length];
            PoolKernels.maxPool(p.window, inputs[0].toDoubleArray(), out, at, columnMajor);
            Windows.store(out, y);
            if (at != null) {
                java.lang.foreign.MemorySegment.copy(at, 0, indices.segment(), java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED,
                                0, at.length);
            }
        }
        return new Tensor[]{y, indices};
    }
}
