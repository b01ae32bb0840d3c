package dev.dnnrun.language.ops.nn;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.conv.ConvKernels;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** Conv (1, 11, 22): N-d convolution of X [N, C, ...] with W [M, C/group, k...] plus optional bias B [M]. float32 via
 * im2col + SGEMM; float64 by a direct loop. */
public final class Conv extends OpNode {
    private final Windows windows;
    private final int group;

    public Conv(GraphNode node) {
        super(node);
        windows = new Windows(node.attributes(), false);
        group = Math.toIntExact(node.attributes().getInt("group", 1));
        if (group < 1) {
            throw new OperatorException("group must be >= 1, got " + group);
        }
    }

    static final class ConvPlan extends Plan {
        final ConvKernels.Geometry geometry;

        ConvPlan(DType type, long[] outShape, ConvKernels.Geometry geometry) {
            super(new DType[]{type}, new long[][]{outShape});
            this.geometry = geometry;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        if ((t != DType.FLOAT && t != DType.DOUBLE) || in.dtype(1) != t || (in.has(2) && in.dtype(2) != t)) {
            throw new OperatorException("Conv supports float32 and float64 inputs of one type, got " + t + " and "
                            + in.dtype(1));
        }
        long[] x = in.shape(0);
        long[] w = in.shape(1);
        if (x.length < 3 || w.length != x.length) {
            throw new OperatorException("X and W need the same rank >= 3, got " + Arrays.toString(x) + " and "
                            + Arrays.toString(w));
        }
        long c = x[1];
        long m = w[0];
        if (w[1] * group != c || m % group != 0) {
            throw new OperatorException("W " + Arrays.toString(w) + " does not fit " + c + " input channels in " + group
                            + " groups");
        }
        if (in.has(2) && (in.rank(2) != 1 || in.shape(2)[0] != m)) {
            throw new OperatorException("B must have shape [" + m + "], got " + Arrays.toString(in.shape(2)));
        }
        long[] kernel = Arrays.copyOfRange(w, 2, w.length);
        if (windows.kernelShape != null && !Arrays.equals(windows.kernelShape, kernel)) {
            throw new OperatorException("kernel_shape " + Arrays.toString(windows.kernelShape) + " differs from W");
        }
        Windows.Resolved r = windows.resolve(Arrays.copyOfRange(x, 2, x.length), kernel);
        ConvKernels.Geometry g = new ConvKernels.Geometry(Math.toIntExact(x[0]), Math.toIntExact(c),
                        Math.toIntExact(m), group, r.in(), r.kernel(), r.out(), r.stride(), r.padBegin(), r.dilation());
        return new ConvPlan(t, Windows.concat(x[0], m, r.outSpatial()), g);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        ConvPlan p = (ConvPlan) plan;
        Tensor y = plan.allocate(allocator);
        if (y.elementCount() == 0) {
            return new Tensor[]{y};
        }
        Tensor b = Windows.opt(inputs, 2);
        if (y.dtype() == DType.FLOAT) {
            ConvKernels.conv(p.geometry, inputs[0].segment(), inputs[1].segment(), Windows.floats(b), y.segment());
        } else {
            double[] out = new double[Math.toIntExact(y.elementCount())];
            ConvKernels.conv(p.geometry, inputs[0].toDoubleArray(), inputs[1].toDoubleArray(), Windows.doubles(b), out);
            Windows.store(out, y);
        }
        return new Tensor[]{y};
    }
}
