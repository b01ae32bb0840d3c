package dev.dnnrun.language.ops.reduce;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.language.ops.tensor.Shapes;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * ArgMax and ArgMin: the int64 index of the extreme value along one axis; ties go to the first index unless
 * {@code select_last_index} (opset 12) asks for the last.
 */
public abstract class ArgReduction extends OpNode {
    private final long axis;
    private final boolean keepDims;
    private final boolean selectLast;

    protected ArgReduction(GraphNode node) {
        super(node);
        axis = node.attributes().getInt("axis", 0);
        keepDims = node.attributes().getInt("keepdims", 1) != 0;
        selectLast = node.opsetVersion() >= 12 && node.attributes().getInt("select_last_index", 0) != 0;
    }

    /** True when {@code x} should replace the current best {@code best} (ties handled by the caller). */
    protected abstract boolean better(double x, double best);

    private static final class ArgPlan extends Plan {
        final long outer;
        final long r;
        final long inner;

        ArgPlan(long[] shape, long outer, long r, long inner) {
            super(new DType[]{DType.INT64}, new long[][]{shape});
            this.outer = outer;
            this.r = r;
            this.inner = inner;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        if (!t.isNumeric() && t != DType.BOOL) {
            throw new OperatorException("unsupported type " + t);
        }
        long[] s = in.shape(0);
        int a = Shapes.axis(axis, s.length);
        if (s[a] == 0) {
            throw new OperatorException("cannot take the index of an extreme over an empty axis");
        }
        long[] out;
        if (keepDims) {
            out = s.clone();
            out[a] = 1;
        } else {
            out = new long[s.length - 1];
            for (int d = 0, k = 0; d < s.length; d++) {
                if (d != a) {
                    out[k++] = s[d];
                }
            }
        }
        return new ArgPlan(out, Shapes.product(s, 0, a), s[a], Shapes.product(s, a + 1, s.length));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        ArgPlan p = (ArgPlan) plan;
        Tensor x = inputs[0];
        DType t = x.dtype();
        MemorySegment src = x.segment();
        Tensor out = plan.allocate(allocator);
        MemorySegment dst = out.segment();
        for (long o = 0; o < p.outer; o++) {
            for (long i = 0; i < p.inner; i++) {
                long base = o * p.r * p.inner + i;
                double best = t.getDouble(src, base);
                long at = 0;
                for (long k = 1; k < p.r; k++) {
                    double v = t.getDouble(src, base + k * p.inner);
                    if (better(v, best) || (selectLast && v == best)) {
                        best = v;
                        at = k;
                    }
                }
                dst.set(ValueLayout.JAVA_LONG_UNALIGNED, (o * p.inner + i) * 8, at);
            }
        }
        return new Tensor[]{out};
    }
}
