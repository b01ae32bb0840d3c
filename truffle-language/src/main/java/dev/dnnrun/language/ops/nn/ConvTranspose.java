package dev.dnnrun.language.ops.nn;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.conv.ConvKernels;
import dev.dnnrun.language.graph.Attributes;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * ConvTranspose (1, 11, 22): the gradient of Conv with respect to its input. X is [N, C, ...], W is
 * [C, M/group, k...], B is [M]. The output extent comes from pads (plus output_padding at the end), or from
 * output_shape / auto_pad SAME_*, which then decide the pads. float32 via GEMM + col2im, float64 directly.
 */
public final class ConvTranspose extends OpNode {
    private final long[] kernelShape;
    private final long[] strides;
    private final long[] dilations;
    private final long[] pads;
    private final long[] outputPadding;
    private final long[] outputShape;
    private final String autoPad;
    private final int group;

    public ConvTranspose(GraphNode node) {
        super(node);
        Attributes a = node.attributes();
        // Reuse the shared validation of the window attributes (strides/dilations >= 1, known auto_pad).
        Windows w = new Windows(a, false);
        kernelShape = w.kernelShape;
        strides = w.strides;
        dilations = w.dilations;
        autoPad = w.autoPad;
        pads = w.pads;
        outputPadding = a.getInts("output_padding");
        outputShape = a.getInts("output_shape");
        group = Math.toIntExact(a.getInt("group", 1));
        if (group < 1) {
            throw new OperatorException("group must be >= 1, got " + group);
        }
        if (outputPadding != null) {
            for (long p : outputPadding) {
                if (p < 0) {
                    throw new OperatorException("output_padding must be >= 0, got " + Arrays.toString(outputPadding));
                }
            }
        }
    }

    static final class ConvTransposePlan extends Plan {
        final ConvKernels.Geometry geometry;

        ConvTransposePlan(DType type, long[] outShape, ConvKernels.Geometry geometry) {
            super(new DType[]{type}, new long[][]{outShape});
            this.geometry = geometry;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        if ((t != DType.FLOAT && t != DType.DOUBLE) || in.dtype(1) != t || (in.has(2) && in.dtype(2) != t)) {
            throw new OperatorException("ConvTranspose supports float32 and float64 inputs of one type, got " + t
                            + " and " + in.dtype(1));
        }
        long[] x = in.shape(0);
        long[] w = in.shape(1);
        if (x.length < 3 || w.length != x.length) {
            throw new OperatorException("X and W need the same rank >= 3, got " + Arrays.toString(x) + " and "
                            + Arrays.toString(w));
        }
        int r = x.length - 2;
        if (r > 3) {
            throw new OperatorException("only 1 to 3 spatial dimensions are supported, got " + r);
        }
        long c = x[1];
        if (w[0] != c || c % group != 0) {
            throw new OperatorException("W " + Arrays.toString(w) + " does not fit " + c + " input channels in " + group
                            + " groups");
        }
        long m = w[1] * group;
        if (in.has(2) && (in.rank(2) != 1 || in.shape(2)[0] != m)) {
            throw new OperatorException("B must have shape [" + m + "], got " + Arrays.toString(in.shape(2)));
        }
        long[] k = Arrays.copyOfRange(w, 2, w.length);
        if (kernelShape != null && !Arrays.equals(kernelShape, k)) {
            throw new OperatorException("kernel_shape " + Arrays.toString(kernelShape) + " differs from W");
        }
        long[] s = Windows.orDefault(strides, r, 1, "strides");
        long[] d = Windows.orDefault(dilations, r, 1, "dilations");
        long[] op = Windows.orDefault(outputPadding, r, 0, "output_padding");
        long[] target = outputShape;
        if (target != null && target.length == r + 2) {
            // Some exporters include N and C in output_shape.
            target = Arrays.copyOfRange(target, 2, target.length);
        }
        if (target != null && target.length != r) {
            throw new OperatorException("output_shape has " + target.length + " entries for " + r + " spatial dims");
        }
        boolean same = autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER");
        if (target == null && same) {
            target = new long[r];
            for (int i = 0; i < r; i++) {
                target[i] = x[i + 2] * s[i];
            }
        }
        long[] p = pads == null || autoPad.equals("VALID") ? new long[2 * r] : pads;
        if (p.length != 2 * r) {
            throw new OperatorException("pads has " + p.length + " entries, expected " + 2 * r);
        }
        int[] rin = {1, 1, 1}, rk = {1, 1, 1}, rout = {1, 1, 1}, rs = {1, 1, 1}, rd = {1, 1, 1};
        int[] pb = new int[3];
        long[] outSpatial = new long[r];
        for (int i = 0; i < r; i++) {
            long full = s[i] * (x[i + 2] - 1) + op[i] + (k[i] - 1) * d[i] + 1;
            long begin;
            long out;
            if (target != null) {
                // The pads follow from the requested extent; floor division keeps odd negative totals consistent.
                long total = full - target[i];
                long half = Math.floorDiv(total, 2);
                begin = autoPad.equals("SAME_UPPER") ? half : total - half;
                out = target[i];
            } else {
                begin = p[i];
                out = full - p[i] - p[i + r];
            }
            if (out <= 0) {
                throw new OperatorException("output extent " + out + " along spatial axis " + i + " is not positive");
            }
            int at = 3 - r + i;
            outSpatial[i] = out;
            rin[at] = Math.toIntExact(x[i + 2]);
            rk[at] = Math.toIntExact(k[i]);
            rout[at] = Math.toIntExact(out);
            rs[at] = Math.toIntExact(s[i]);
            rd[at] = Math.toIntExact(d[i]);
            pb[at] = Math.toIntExact(begin);
        }
        ConvKernels.Geometry g = new ConvKernels.Geometry(Math.toIntExact(x[0]), Math.toIntExact(c), Math.toIntExact(m),
                        group, rin, rk, rout, rs, pb, rd);
        return new ConvTransposePlan(t, Windows.concat(x[0], m, outSpatial), g);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        ConvKernels.Geometry g = ((ConvTransposePlan) plan).geometry;
        Tensor y = plan.allocate(allocator);
        if (y.elementCount() == 0) {
            return new Tensor[]{y};
        }
        Tensor b = Windows.opt(inputs, 2);
        if (y.dtype() == DType.FLOAT) {
            ConvKernels.convTranspose(g, inputs[0].segment(), inputs[1].segment(), Windows.floats(b), y.segment());
        } else {
            double[] out = new double[Math.toIntExact(y.elementCount())];
            ConvKernels.convTranspose(g, Windows.doubles(inputs[0]), Windows.doubles(inputs[1]), Windows.doubles(b), out);
            Windows.store(out, y);
        }
        return new Tensor[]{y};
    }
}
