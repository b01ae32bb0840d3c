package dev.dnnrun.language.ops.nn;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.norm.NormKernels;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * LayerNormalization (17): standardizes X over axes [axis, rank), then multiplies by Scale and adds B (both
 * unidirectionally broadcast to X). Optional outputs Mean and InvStdDev have X's leading dims followed by ones and
 * the stash_type element type. Statistics are computed in double and rounded to stash_type when stored.
 */
public final class LayerNormalization extends OpNode {
    private final long axis;
    private final double epsilon;
    private final DType stashType;

    public LayerNormalization(GraphNode node) {
        super(node);
        axis = node.attributes().getInt("axis", -1);
        epsilon = node.attributes().getFloat("epsilon", 1e-5f);
        long code = node.attributes().getInt("stash_type", DType.FLOAT.onnxCode);
        stashType = DType.fromOnnx((int) code);
        if (stashType == null || !stashType.isFloating()) {
            throw new OperatorException("stash_type " + code + " is not a floating-point type");
        }
    }

    static final class LayerNormPlan extends Plan {
        final int axis;
        final int rows;
        final int d;
        /** Whether Scale / B vary along the leading (non-normalized) axes, so they are expanded to all of X. */
        final boolean scaleFull;
        final boolean biasFull;
        /** Scale and B expanded to float, kept when both are model constants (the same tensors on every call). */
        private float[][] constantFloatParams;

        LayerNormPlan(DType[] types, long[][] shapes, int axis, int rows, int d, boolean scaleFull, boolean biasFull) {
            super(types, shapes);
            this.axis = axis;
            this.rows = rows;
            this.d = d;
            this.scaleFull = scaleFull;
            this.biasFull = biasFull;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        Windows.requireFloating(t);
        long[] x = in.shape(0);
        int r = x.length;
        if (axis < -r || axis >= r) {
            throw new OperatorException("axis " + axis + " is out of range for rank " + r);
        }
        int ax = (int) (axis < 0 ? axis + r : axis);
        boolean scaleFull = checkBroadcast(in, 1, "Scale", t, x, ax);
        boolean biasFull = in.has(2) && checkBroadcast(in, 2, "B", t, x, ax);
        long[] statShape = x.clone();
        Arrays.fill(statShape, ax, r, 1);
        int rows = Math.toIntExact(Tensor.elementCount(Arrays.copyOfRange(x, 0, ax)));
        int d = Math.toIntExact(Tensor.elementCount(Arrays.copyOfRange(x, ax, r)));
        return new LayerNormPlan(new DType[]{t, stashType, stashType}, new long[][]{x, statShape, statShape}, ax, rows, d,
                        scaleFull, biasFull);
    }

    /** Validates unidirectional broadcasting of input i to X; true when it varies along axes before {@code ax}. */
    private static boolean checkBroadcast(Signature in, int i, String name, DType t, long[] x, int ax) {
        if (in.dtype(i) != t) {
            throw new OperatorException(name + " must have the type of X (" + t + "), got " + in.dtype(i));
        }
        long[] s = in.shape(i);
        if (s.length > x.length) {
            throw new OperatorException(name + " " + Arrays.toString(s) + " does not broadcast to X " + Arrays.toString(x));
        }
        boolean full = false;
        for (int k = 0; k < s.length; k++) {
            int xa = x.length - s.length + k;
            if (s[k] != 1 && s[k] != x[xa]) {
                throw new OperatorException(name + " " + Arrays.toString(s) + " does not broadcast to X "
                                + Arrays.toString(x));
            }
            if (xa < ax && s[k] != 1) {
                full = true;
            }
        }
        return full;
    }

    /** Expands {@code t} (unidirectionally broadcastable) to the trailing dims of {@code x} starting at {@code from}. */
    private static double[] expand(Tensor t, long[] x, int from) {
        long[] target = Arrays.copyOfRange(x, from, x.length);
        long[] s = t.shape();
        int n = Math.toIntExact(Tensor.elementCount(target));
        // Source stride per target axis, 0 where t is broadcast (or absent).
        long[] stride = new long[target.length];
        long st = 1;
        for (int k = s.length - 1; k >= 0; k--) {
            int ta = target.length - s.length + k;
            if (ta >= 0) {
                stride[ta] = s[k] == 1 ? 0 : st;
            }
            st *= s[k];
        }
        double[] src = t.toDoubleArray();
        double[] out = new double[n];
        long[] idx = new long[target.length];
        long at = 0;
        for (int i = 0; i < n; i++) {
            out[i] = src[(int) at];
            for (int k = target.length - 1; k >= 0; k--) {
                idx[k]++;
                at += stride[k];
                if (idx[k] < target[k]) {
                    break;
                }
                at -= stride[k] * idx[k];
                idx[k] = 0;
            }
        }
        return out;
    }

    /** Scale and B as float arrays: expanded once per plan when both are model constants, else on every call. */
    private float[][] floatParams(LayerNormPlan p, Tensor[] inputs, long[] xs) {
        float[][] kept = p.constantFloatParams;
        if (kept != null) {
            return kept;
        }
        Tensor b = Windows.opt(inputs, 2);
        float[][] params = {toFloats(expand(inputs[1], xs, p.scaleFull ? 0 : p.axis)),
                        b == null ? null : toFloats(expand(b, xs, p.biasFull ? 0 : p.axis))};
        if (isConstantInput(1) && (b == null || isConstantInput(2))) {
            p.constantFloatParams = params;
        }
        return params;
    }

    private static float[] toFloats(double[] v) {
        if (v == null) {
            return null;
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        LayerNormPlan p = (LayerNormPlan) plan;
        Tensor x = inputs[0];
        long[] xs = x.shape();
        boolean wantStats = wanted(1) || wanted(2);
        double[] mean = wantStats ? new double[p.rows] : null;
        double[] invStd = wantStats ? new double[p.rows] : null;
        Tensor y = plan.allocate(allocator, 0);
        if (x.dtype() == DType.FLOAT) {
            float[][] params = floatParams(p, inputs, xs);
            NormKernels.layerNorm(x.segment(), y.segment(), p.rows, p.d, params[0], params[1], epsilon, mean, invStd);
        } else {
            double[] scale = expand(inputs[1], xs, p.scaleFull ? 0 : p.axis);
            Tensor b = Windows.opt(inputs, 2);
            double[] bias = b == null ? null : expand(b, xs, p.biasFull ? 0 : p.axis);
            double[] out = new double[Math.toIntExact(y.elementCount())];
            NormKernels.layerNorm(x.toDoubleArray(), out, p.rows, p.d, scale, bias, epsilon, mean, invStd);
            Windows.store(out, y);
        }
        Tensor[] result = {y, null, null};
        if (wanted(1)) {
            result[1] = plan.allocate(allocator, 1);
            Windows.store(mean, result[1]);
        }
        if (wanted(2)) {
            result[2] = plan.allocate(allocator, 2);
            Windows.store(invStd, result[2]);
        }
        return result;
    }

    private boolean wanted(int output) {
        return node.outputs().size() > output && !node.outputs().get(output).isEmpty();
    }
}
