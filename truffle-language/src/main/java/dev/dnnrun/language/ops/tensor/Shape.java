package dev.dnnrun.language.ops.tensor;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** Shape: the input's dimensions as a 1-D int64 tensor, optionally a [start, end) range of them (opset 15). */
public final class Shape extends OpNode {
    private final long start;
    private final Long end;

    public Shape(GraphNode node) {
        super(node);
        boolean ranged = node.opsetVersion() >= 15;
        start = ranged ? node.attributes().getInt("start", 0) : 0;
        end = ranged && node.attributes().has("end") ? node.attributes().getInt("end", 0) : null;
    }

    private static final class ShapePlan extends Plan {
        final long[] dims;

        ShapePlan(long[] dims) {
            super(new DType[]{DType.INT64}, new long[][]{{dims.length}});
            this.dims = dims;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        int r = s.length;
        int from = clamp(start, r);
        int to = end == null ? r : clamp(end, r);
        return new ShapePlan(to > from ? Arrays.copyOfRange(s, from, to) : new long[0]);
    }

    private static int clamp(long v, int r) {
        long x = v < 0 ? v + r : v;
        return (int) Math.max(0, Math.min(r, x));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        long[] dims = ((ShapePlan) plan).dims;
        Tensor out = plan.allocate(allocator);
        for (int i = 0; i < dims.length; i++) {
            DType.INT64.setLong(out.segment(), i, dims[i]);
        }
        return new Tensor[]{out};
    }
}
