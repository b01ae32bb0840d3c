package dev.dnnrun.language.ops.nn;

import java.lang.foreign.MemorySegment;
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
 * im2col + SGEMM with the weights packed once per weight tensor; float64 by a direct loop. */
public class Conv extends OpNode {
    private final Windows windows;
    private final int group;
    /** Apply max(0, y) in the output pass (set by {@link FusedConv}). */
    private final boolean relu;
    /** Input 3 is a summand of the output's shape, added before the Relu (set by {@link FusedConv}). */
    private final boolean summand;
    /** Packed weights and bias of the last call, reused while they are the model's constants. */
    private volatile Prepared prepared;

    /** Weights packed for one weight tensor (and geometry), and the bias of one bias tensor. */
    private record Prepared(Tensor w, ConvKernels.Geometry geometry, ConvKernels.Weights weights, Tensor b,
                    float[] bias) {
    }

    public Conv(GraphNode node) {
        this(node, false, false);
    }

    protected Conv(GraphNode node, boolean relu, boolean summand) {
        super(node);
        this.relu = relu;
        this.summand = summand;
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
        if (!t.isFloating() || in.dtype(1) != t || (in.has(2) && in.dtype(2) != t)) {
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
        long[] y = Windows.concat(x[0], m, r.outSpatial());
        if (summand && (!in.has(3) || in.dtype(3) != t || !Arrays.equals(in.shape(3), y))) {
            throw new OperatorException("the summand must be " + t + " of the output's shape " + Arrays.toString(y) + ", got "
                            + (in.has(3) ? in.dtype(3) + " " + Arrays.toString(in.shape(3)) : "none"));
        }
        return new ConvPlan(t, y, g);
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
            Prepared pr = prepare(p.geometry, inputs[1], b);
            if (summand) {
                MemorySegment.copy(inputs[3].segment(), 0, y.segment(), 0, y.elementCount() * 4);
            }
            ConvKernels.conv(p.geometry, inputs[0].segment(), pr.weights(), pr.bias(), y.segment(), relu, summand);
        } else {
            double[] out = new double[Math.toIntExact(y.elementCount())];
            ConvKernels.conv(p.geometry, inputs[0].toDoubleArray(), inputs[1].toDoubleArray(), Windows.doubles(b), out);
            if (summand) {
                double[] z = inputs[3].toDoubleArray();
                for (int i = 0; i < out.length; i++) {
                    out[i] += z[i];
                }
            }
            if (relu) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Math.max(0, out[i]);
                }
            }
            Windows.store(out, y);
        }
        return new Tensor[]{y};
    }

    /**
     * The packed form of w (and b as floats), kept from the last call while w (and b) are model constants, the same
     * tensors on every call. Weights computed at run time are packed per call, as they would be anyway: their tensor
     * may be the same object as last call's, recycled with new contents.
     */
    private Prepared prepare(ConvKernels.Geometry g, Tensor w, Tensor b) {
        Prepared last = prepared;
        boolean sameW = last != null && isConstantInput(1) && last.w() == w && last.geometry() == g;
        boolean sameB = last != null && b != null && isConstantInput(2) && last.b() == b;
        if (sameW && (sameB || b == null && last.b() == null)) {
            return last;
        }
        Prepared now = new Prepared(w, g, sameW ? last.weights() : ConvKernels.prepare(g, w.segment()), b,
                        sameB ? last.bias() : Windows.floats(b));
        prepared = now;
        return now;
    }
}
