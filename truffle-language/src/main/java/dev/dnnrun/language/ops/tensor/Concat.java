package dev.dnnrun.language.ops.tensor;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** Concat: joins inputs along one axis by copying each input's contiguous block per outer index. */
public final class Concat extends OpNode {
    private final long axis;

    public Concat(GraphNode node) {
        super(node);
        if (node.opsetVersion() < 4) {
            axis = node.attributes().getInt("axis", 1);
        } else {
            axis = node.attributes().requireInt("axis");
        }
    }

    private static final class ConcatPlan extends Plan {
        final long outer;
        final long[] blocks; // elements per outer index, per input

        ConcatPlan(DType t, long[] shape, long outer, long[] blocks) {
            super(new DType[]{t}, new long[][]{shape});
            this.outer = outer;
            this.blocks = blocks;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        int n = in.inputCount();
        if (n == 0) {
            throw new OperatorException("Concat needs at least one input");
        }
        long[] first = in.shape(0);
        int r = first.length;
        int a = Shapes.axis(axis, r);
        long[] out = first.clone();
        out[a] = 0;
        long[] blocks = new long[n];
        long inner = Shapes.product(first, a + 1, r);
        for (int i = 0; i < n; i++) {
            long[] s = in.shape(i);
            if (in.dtype(i) != in.dtype(0)) {
                throw new OperatorException("inputs have different types: " + in.dtype(0) + " and " + in.dtype(i));
            }
            boolean fits = s.length == r;
            for (int d = 0; fits && d < r; d++) {
                fits = d == a || s[d] == first[d];
            }
            if (!fits) {
                throw new OperatorException("input shapes " + Arrays.toString(first) + " and " + Arrays.toString(s)
                                + " differ outside axis " + a);
            }
            out[a] += s[a];
            blocks[i] = s[a] * inner;
        }
        return new ConcatPlan(in.dtype(0), out, Shapes.product(first, 0, a), blocks);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        ConcatPlan p = (ConcatPlan) plan;
        Tensor out = plan.allocate(allocator);
        long pos = 0;
        for (long o = 0; o < p.outer; o++) {
            for (int i = 0; i < inputs.length; i++) {
                long b = p.blocks[i];
                if (b > 0) {
                    Tensor.copy(inputs[i], o * b, out, pos, b);
                    pos += b;
                }
            }
        }
        return new Tensor[]{out};
    }
}
