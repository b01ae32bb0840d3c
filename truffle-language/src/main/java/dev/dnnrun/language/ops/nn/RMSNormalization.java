package dev.dnnrun.language.ops.nn;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * RMSNormalization (23): divides X by the root mean square over axes [axis, rank) (plus epsilon under the root),
 * then multiplies by Scale, which is unidirectionally broadcast to X. Y has X's shape and Scale's element type.
 * Statistics are computed in double; the normalized value is rounded to stash_type and then to X's type, as the
 * operator's function body does with its casts.
 */
public final class RMSNormalization extends OpNode {
    private final long axis;
    private final double epsilon;
    private final DType stashType;

    public RMSNormalization(GraphNode node) {
        super(node);
        axis = node.attributes().getInt("axis", -1);
        epsilon = node.attributes().getFloat("epsilon", 1e-5f);
        long code = node.attributes().getInt("stash_type", DType.FLOAT.onnxCode);
        stashType = DType.fromOnnx((int) code);
        if (stashType == null || !stashType.isFloating()) {
            throw new OperatorException("stash_type " + code + " is not a floating-point type");
        }
    }

    static final class RmsPlan extends Plan {
        final int rows;
        final int d;
        /** Element stride of Scale along each axis of X, 0 where Scale is broadcast. */
        final long[] scaleStrides;

        RmsPlan(DType type, long[] shape, int rows, int d, long[] scaleStrides) {
            super(new DType[]{type}, new long[][]{shape});
            this.rows = rows;
            this.d = d;
            this.scaleStrides = scaleStrides;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        Windows.requireFloating(in.dtype(0));
        Windows.requireFloating(in.dtype(1));
        long[] x = in.shape(0);
        int r = x.length;
        if (axis < -r || axis >= r) {
            throw new OperatorException("axis " + axis + " is out of range for rank " + r);
        }
        int ax = (int) (axis < 0 ? axis + r : axis);
        long[] s = in.shape(1);
        if (s.length > r) {
            throw new OperatorException("scale " + Arrays.toString(s) + " does not broadcast to X " + Arrays.toString(x));
        }
        long[] strides = new long[r];
        long st = 1;
        for (int k = s.length - 1; k >= 0; k--) {
            int xa = r - s.length + k;
            if (s[k] != 1 && s[k] != x[xa]) {
                throw new OperatorException("scale " + Arrays.toString(s) + " does not broadcast to X "
                                + Arrays.toString(x));
            }
            strides[xa] = s[k] == 1 ? 0 : st;
            st *= s[k];
        }
        int rows = Math.toIntExact(Tensor.elementCount(Arrays.copyOfRange(x, 0, ax)));
        int d = Math.toIntExact(Tensor.elementCount(Arrays.copyOfRange(x, ax, r)));
        return new RmsPlan(in.dtype(1), x, rows, d, strides);
    }

    /** Rounds v to the precision of t (the casts in the operator's definition). */
    private static double round(double v, DType t) {
        return switch (t) {
            case FLOAT -> (float) v;
            case FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
            case BFLOAT16 -> {
                // Round to nearest even on the upper 16 bits of the float32 representation.
                int bits = Float.floatToRawIntBits((float) v);
                if (Float.isNaN((float) v)) {
                    yield v;
                }
                bits += 0x7FFF + ((bits >>> 16) & 1);
                yield Float.intBitsToFloat(bits & 0xFFFF0000);
            }
            default -> v;
        };
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        RmsPlan p = (RmsPlan) plan;
        Tensor x = inputs[0];
        Tensor scale = inputs[1];
        DType xt = x.dtype();
        DType st = scale.dtype();
        MemorySegment xs = x.segment();
        MemorySegment ss = scale.segment();
        Tensor y = plan.allocate(allocator, 0);
        MemorySegment ys = y.segment();
        DType yt = y.dtype();
        long[] shape = x.shape();
        int r = shape.length;
        long[] idx = new long[r];
        long scaleAt = 0;
        for (int row = 0; row < p.rows; row++) {
            long base = (long) row * p.d;
            double sum = 0;
            for (int j = 0; j < p.d; j++) {
                double v = round(xt.getDouble(xs, base + j), stashType);
                sum += v * v;
            }
            double rms = Math.sqrt(round(sum / p.d, stashType) + epsilon);
            for (int j = 0; j < p.d; j++) {
                double v = round(xt.getDouble(xs, base + j), stashType);
                double normalized = round(round(v / rms, stashType), xt);
                yt.setDouble(ys, base + j, normalized * st.getDouble(ss, scaleAt));
                // Advance the multi-index over X and the matching Scale offset.
                for (int k = r - 1; k >= 0; k--) {
                    idx[k]++;
                    scaleAt += p.scaleStrides[k];
                    if (idx[k] < shape[k]) {
                        break;
                    }
                    scaleAt -= p.scaleStrides[k] * idx[k];
                    idx[k] = 0;
                }
            }
        }
        return new Tensor[]{y};
    }
}
