package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.Tensor;

/** Transpose: permutes the axes (reversed by default) with a strided copy; matrix-like cases copy in tiles. */
public final class Transpose extends OpNode {
    private final long[] perm;

    public Transpose(GraphNode node) {
        super(node);
        perm = node.attributes().getInts("perm");
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        int r = s.length;
        int[] p = new int[r];
        if (perm == null) {
            for (int d = 0; d < r; d++) {
                p[d] = r - 1 - d;
            }
        } else {
            if (perm.length != r) {
                throw new OperatorException("perm has " + perm.length + " entries for an input of rank " + r);
            }
            p = Shapes.axes(perm, r);
        }
        long[] inStrides = Shapes.strides(s);
        long[] outShape = new long[r];
        long[] strides = new long[r];
        for (int d = 0; d < r; d++) {
            outShape[d] = s[p[d]];
            strides[d] = inStrides[p[d]];
        }
        return new StridedPlan(in.dtype(0), outShape, 0, strides);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return ((StridedPlan) plan).copy(inputs[0], allocator);
    }
}
