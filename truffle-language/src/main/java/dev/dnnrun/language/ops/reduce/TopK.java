package dev.dnnrun.language.ops.reduce;

import java.util.Arrays;
import java.util.Comparator;

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
 * TopK: the k largest (or smallest) elements along an axis and their indices. Equal values keep their original
 * order, so the lower index comes first. k is an attribute before opset 10 and a value input from then on.
 */
public final class TopK extends OpNode {
    private final long axis;
    private final boolean largest;
    private final long kAttribute;
    private final boolean kIsInput;

    public TopK(GraphNode node) {
        super(node);
        axis = node.attributes().getInt("axis", -1);
        largest = node.attributes().getInt("largest", 1) != 0;
        kIsInput = node.opsetVersion() >= 10;
        kAttribute = kIsInput ? -1 : node.attributes().requireInt("k");
    }

    @Override
    public boolean isValueInput(int index) {
        return kIsInput && index == 1;
    }

    private static final class TopKPlan extends Plan {
        final long outer;
        final int n;
        final long inner;
        final int k;

        TopKPlan(DType t, long[] outShape, long outer, int n, long inner, int k) {
            super(new DType[]{t, DType.INT64}, new long[][]{outShape, outShape});
            this.outer = outer;
            this.n = n;
            this.inner = inner;
            this.k = k;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        if (!t.isNumeric()) {
            throw new OperatorException("unsupported type " + t);
        }
        long[] s = in.shape(0);
        int a = Shapes.axis(axis, s.length);
        long k;
        if (kIsInput) {
            long[] kv = in.longs(1);
            if (kv.length != 1) {
                throw new OperatorException("K must hold one value, got " + kv.length);
            }
            k = kv[0];
        } else {
            k = kAttribute;
        }
        if (k < 0 || k > s[a]) {
            throw new OperatorException("k " + k + " is out of range for axis of size " + s[a]);
        }
        long[] outShape = s.clone();
        outShape[a] = k;
        return new TopKPlan(t, outShape, Shapes.product(s, 0, a), (int) s[a], Shapes.product(s, a + 1, s.length), (int) k);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        TopKPlan p = (TopKPlan) plan;
        Tensor x = inputs[0];
        DType t = x.dtype();
        Tensor values = plan.allocate(allocator, 0);
        Tensor indices = plan.allocate(allocator, 1);
        double[] dv = new double[p.n];
        long[] lv = new long[p.n];
        Integer[] order = new Integer[p.n];
        Comparator<Integer> ascending;
        if (t.isFloating()) {
            ascending = (u, v) -> Double.compare(dv[u], dv[v]);
        } else if (t == DType.UINT64) {
            ascending = (u, v) -> Long.compareUnsigned(lv[u], lv[v]);
        } else {
            ascending = (u, v) -> Long.compare(lv[u], lv[v]);
        }
        // sorting by value only: the sort is stable, so ties stay in index order in both directions
        Comparator<Integer> byValue = largest ? ascending.reversed() : ascending;
        for (long o = 0; o < p.outer; o++) {
            for (long i = 0; i < p.inner; i++) {
                long base = o * p.n * p.inner + i;
                for (int j = 0; j < p.n; j++) {
                    if (t.isFloating()) {
                        dv[j] = x.getDouble(base + j * p.inner);
                    } else {
                        lv[j] = x.getLong(base + j * p.inner);
                    }
                    order[j] = j;
                }
                Arrays.sort(order, byValue);
                long outBase = o * p.k * p.inner + i;
                for (int j = 0; j < p.k; j++) {
                    Tensor.copy(x, base + order[j] * p.inner, values, outBase + j * p.inner, 1);
                    DType.INT64.setLong(indices.segment(), outBase + j * p.inner, order[j]);
                }
            }
        }
        return new Tensor[]{values, indices};
    }
}
