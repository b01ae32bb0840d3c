package dev.dnnrun.language.ops.nn;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * BatchNormalization (1, 6, 7, 9, 14, 15), inference mode only: {@code y = (x - mean) / sqrt(var + eps) * scale + B}
 * per channel (axis 1). Training mode (training_mode = 1, or is_test = 0 before opset 7) is rejected.
 */
public final class BatchNormalization extends OpNode {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private final double epsilon;

    public BatchNormalization(GraphNode node) {
        super(node);
        epsilon = node.attributes().getFloat("epsilon", 1e-5f);
        if (node.attributes().getInt("training_mode", 0) != 0) {
            throw new OperatorException("training_mode=1 is not supported (inference only)");
        }
        if (node.opsetVersion() < 7 && node.attributes().has("is_test") && node.attributes().getInt("is_test", 0) == 0) {
            throw new OperatorException("is_test=0 (training) is not supported (inference only)");
        }
        if (node.attributes().getInt("spatial", 1) == 0) {
            throw new OperatorException("spatial=0 is not supported");
        }
    }

    @Override
    protected Plan plan(Signature in) {
        long[] x = in.shape(0);
        if (!in.dtype(0).isFloating() || in.dtype(0) == DType.FLOAT16 || in.dtype(0) == DType.BFLOAT16) {
            throw new OperatorException("unsupported dtype " + in.dtype(0));
        }
        long c = x.length < 2 ? 1 : x[1];
        for (int i = 1; i <= 4; i++) {
            if (!in.has(i) || Tensor.elementCount(in.shape(i)) != c) {
                throw new OperatorException("input " + i + " must hold " + c + " values, got "
                                + (in.has(i) ? Arrays.toString(in.shape(i)) : "none"));
            }
        }
        if (node.outputs().size() > 1 && node.opsetVersion() >= 14) {
            throw new OperatorException("running mean/var outputs exist only in training mode");
        }
        // Older opsets list mean/var/saved outputs as optional; inference gives Y only.
        DType[] types = new DType[node.outputs().size()];
        long[][] shapes = new long[types.length][];
        for (int i = 0; i < types.length; i++) {
            types[i] = i == 0 ? in.dtype(0) : in.dtype(3);
            shapes[i] = i == 0 ? x : new long[]{c};
        }
        return new Plan(types, shapes);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] in, BufferAllocator allocator) {
        Tensor x = in[0];
        Tensor y = plan.allocate(allocator, 0);
        long[] shape = x.shape();
        int c = Math.toIntExact(shape.length < 2 ? 1 : shape[1]);
        long n = shape.length == 0 ? 1 : shape[0];
        long inner = c == 0 || n == 0 ? 0 : x.elementCount() / (n * c);
        double[] mul = new double[c];
        double[] add = new double[c];
        for (int i = 0; i < c; i++) {
            mul[i] = in[1].getDouble(i) / Math.sqrt(in[4].getDouble(i) + epsilon);
            add[i] = in[2].getDouble(i) - in[3].getDouble(i) * mul[i];
        }
        MemorySegment xs = x.segment(), ys = y.segment();
        for (long b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                long base = (b * c + ch) * inner;
                if (x.dtype() == DType.FLOAT) {
                    float m = (float) mul[ch], a = (float) add[ch];
                    for (long i = base; i < base + inner; i++) {
                        ys.setAtIndex(F, i, xs.getAtIndex(F, i) * m + a);
                    }
                } else {
                    for (long i = base; i < base + inner; i++) {
                        x.dtype().setDouble(ys, i, x.getDouble(i) * mul[ch] + add[ch]);
                    }
                }
            }
        }
        Tensor[] out = new Tensor[plan.outputCount()];
        out[0] = y;
        for (int i = 1; i < out.length; i++) {
            out[i] = in[i == 1 || i == 3 ? 3 : 4].share();
        }
        return out;
    }
}
