package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Tile: repeats the input along each axis. The output [r0*d0, r1*d1, ...] is the dense copy of the view
 * [r0, d0, r1, d1, ...] whose repeat axes have source stride 0.
 */
public final class Tile extends OpNode {
    public Tile(GraphNode node) {
        super(node);
    }

    @Override
    public boolean isValueInput(int index) {
        return index == 1;
    }

    private static final class TilePlan extends Plan {
        final long[] viewShape;
        final long[] viewStrides;

        TilePlan(DType t, long[] shape, long[] viewShape, long[] viewStrides) {
            super(new DType[]{t}, new long[][]{shape});
            this.viewShape = viewShape;
            this.viewStrides = viewStrides;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        int r = s.length;
        long[] repeats = in.longs(1);
        if (repeats.length != r) {
            throw new OperatorException("repeats has " + repeats.length + " entries for an input of rank " + r);
        }
        long[] inStrides = Shapes.strides(s);
        long[] out = new long[r];
        long[] viewShape = new long[2 * r];
        long[] viewStrides = new long[2 * r];
        for (int d = 0; d < r; d++) {
            if (repeats[d] < 0) {
                throw new OperatorException("negative repeat " + repeats[d]);
            }
            out[d] = s[d] * repeats[d];
            viewShape[2 * d] = repeats[d];
            viewShape[2 * d + 1] = s[d];
            viewStrides[2 * d + 1] = inStrides[d];
        }
        return new TilePlan(in.dtype(0), out, viewShape, viewStrides);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        TilePlan p = (TilePlan) plan;
        Tensor out = plan.allocate(allocator);
        try (Tensor view = out.view(p.viewShape)) {
            Shapes.stridedCopy(inputs[0], 0, p.viewStrides, view);
        }
        return new Tensor[]{out};
    }
}
