package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.Tensor;

/** Expand: broadcasts the input to the broadcast of its shape and the requested one (zero source strides). */
public final class Expand extends OpNode {
    public Expand(GraphNode node) {
        super(node);
    }

    @Override
    public boolean isValueInput(int index) {
        return index == 1;
    }

    @Override
    protected Plan plan(Signature in) {
        if (in.rank(1) != 1) {
            throw new OperatorException("the shape input must be 1-D");
        }
        long[] s = in.shape(0);
        long[] out = Shapes.broadcast(s, in.longs(1));
        int r = out.length;
        long[] inStrides = Shapes.strides(s);
        long[] strides = new long[r];
        for (int d = 0; d < s.length; d++) {
            int o = d + r - s.length;
            strides[o] = s[d] == 1 && out[o] != 1 ? 0 : inStrides[d];
        }
        return new StridedPlan(in.dtype(0), out, 0, strides);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return ((StridedPlan) plan).copy(inputs[0], allocator);
    }
}
