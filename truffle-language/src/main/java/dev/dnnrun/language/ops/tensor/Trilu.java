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
 * Trilu: keeps the upper (j - i >= k) or lower (j - i <= k) triangle of each matrix in the last two axes and
 * zeroes the rest.
 */
public final class Trilu extends OpNode {
    private final boolean upper;

    public Trilu(GraphNode node) {
        super(node);
        upper = node.attributes().getInt("upper", 1) != 0;
    }

    @Override
    public boolean isValueInput(int index) {
        return index == 1;
    }

    @Override
    protected Plan plan(Signature in) {
        if (in.rank(0) < 2) {
            throw new OperatorException("input must have rank 2 or more");
        }
        if (in.dtype(0) == DType.STRING) {
            throw new OperatorException("unsupported type string");
        }
        return Plan.single(in.dtype(0), in.shape(0));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor x = inputs[0];
        long k = inputs.length > 1 && inputs[1] != null ? inputs[1].getLong(0) : 0;
        long[] s = x.shape();
        long rows = s[s.length - 2];
        long cols = s[s.length - 1];
        Tensor out = Tensor.zeros(allocator, x.dtype(), s);
        long matrices = rows * cols == 0 ? 0 : x.elementCount() / (rows * cols);
        for (long m = 0; m < matrices; m++) {
            for (long i = 0; i < rows; i++) {
                // kept columns: [i + k, cols) when upper, [0, i + k] when lower
                long from = upper ? Math.max(0, Math.min(cols, i + k)) : 0;
                long to = upper ? cols : Math.max(0, Math.min(cols, i + k + 1));
                if (to > from) {
                    long base = (m * rows + i) * cols;
                    Tensor.copy(x, base + from, out, base + from, to - from);
                }
            }
        }
        return new Tensor[]{out};
    }
}
