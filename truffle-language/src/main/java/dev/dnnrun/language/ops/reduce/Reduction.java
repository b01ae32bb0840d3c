package dev.dnnrun.language.ops.reduce;

import java.lang.foreign.MemorySegment;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.reduce.FloatReduce;
import dev.dnnrun.kernels.tensor.StridedCopy;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.language.ops.tensor.Shapes;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * The Reduce* operators: axes come from an attribute until the opset where they became an input
 * ({@code axesInputSince}), {@code keepdims} keeps reduced axes as size 1, and {@code noop_with_empty_axes} turns
 * an empty axes input into identity. The plan reduces [outer, r, inner]; when the reduced axes are not adjacent
 * the input is first transposed so that they are. Subclasses give the per-element fold (identity, combine,
 * finish) in doubles, optionally an exact long fold for integers and a float32 kernel.
 */
public abstract class Reduction extends OpNode {
    private final boolean keepDims;
    private final boolean axesFromInput;
    private final long[] axesAttribute;
    private final boolean noopWithEmptyAxes;

    protected Reduction(GraphNode node, int axesInputSince) {
        super(node);
        keepDims = node.attributes().getInt("keepdims", 1) != 0;
        axesFromInput = node.opsetVersion() >= axesInputSince;
        axesAttribute = axesFromInput ? null : node.attributes().getInts("axes");
        noopWithEmptyAxes = axesFromInput && node.attributes().getInt("noop_with_empty_axes", 0) != 0;
    }

    @Override
    public boolean isValueInput(int index) {
        return index == 1 && axesFromInput;
    }

    protected abstract double identity();

    protected abstract double combine(double acc, double x);

    protected double finish(double acc, long count) {
        return acc;
    }

    /** Whether integer inputs fold exactly in longs ({@link #combineLong}); else they go through doubles. */
    protected boolean exactForIntegers() {
        return false;
    }

    protected long identityLong(DType t) {
        return 0;
    }

    protected long combineLong(long acc, long x) {
        throw new UnsupportedOperationException();
    }

    /** The float32 kernel for this reduction, or null. */
    protected FloatReduce.Op floatOp() {
        return null;
    }

    private static final class ReducePlan extends Plan {
        final boolean noop;
        final long[] permShape;   // non-null: transpose to this shape first
        final long[] permStrides;
        final long outer;
        final long r;
        final long inner;

        ReducePlan(DType t, long[] shape, boolean noop, long[] permShape, long[] permStrides, long outer, long r, long inner) {
            super(new DType[]{t}, new long[][]{shape});
            this.noop = noop;
            this.permShape = permShape;
            this.permStrides = permStrides;
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
        int rank = s.length;
        long[] axes = axesFromInput ? (in.has(1) ? in.longs(1) : new long[0]) : axesAttribute;
        boolean[] reduced = new boolean[rank];
        if (axes == null || axes.length == 0) {
            if (noopWithEmptyAxes) {
                return new ReducePlan(t, s, true, null, null, 0, 0, 0);
            }
            java.util.Arrays.fill(reduced, true);
        } else {
            for (int a : Shapes.axes(axes, rank)) {
                reduced[a] = true;
            }
        }
        int kept = 0;
        for (int d = 0; d < rank; d++) {
            if (!reduced[d]) {
                kept++;
            }
        }
        long[] out = new long[keepDims ? rank : kept];
        for (int d = 0, k = 0; d < rank; d++) {
            if (keepDims) {
                out[d] = reduced[d] ? 1 : s[d];
            } else if (!reduced[d]) {
                out[k++] = s[d];
            }
        }
        // Find the reduced axes that matter (size > 1); if they form one block, reduce in place.
        int first = -1;
        int last = -1;
        for (int d = 0; d < rank; d++) {
            if (reduced[d] && s[d] != 1) {
                first = first < 0 ? d : first;
                last = d;
            }
        }
        boolean block = true;
        for (int d = first + 1; first >= 0 && d < last; d++) {
            block &= reduced[d] || s[d] == 1;
        }
        long r = 1;
        for (int d = 0; d < rank; d++) {
            if (reduced[d]) {
                r *= s[d];
            }
        }
        if (first < 0) {
            return new ReducePlan(t, out, false, null, null, Shapes.count(out), r, 1);
        }
        if (block) {
            return new ReducePlan(t, out, false, null, null, Shapes.product(s, 0, first), r, Shapes.product(s, last + 1, rank));
        }
        // kept axes first, then reduced ones: a transposed copy with layout [outer, r, 1]
        long[] strides = Shapes.strides(s);
        long[] permShape = new long[rank];
        long[] permStrides = new long[rank];
        int k = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int d = 0; d < rank; d++) {
                if (reduced[d] == (pass == 1)) {
                    permShape[k] = s[d];
                    permStrides[k++] = strides[d];
                }
            }
        }
        return new ReducePlan(t, out, false, permShape, permStrides, Shapes.count(out), r, 1);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        ReducePlan p = (ReducePlan) plan;
        Tensor x = inputs[0];
        if (p.noop) {
            return new Tensor[]{x.share()};
        }
        Tensor out = plan.allocate(allocator);
        if (out.elementCount() == 0) {
            return new Tensor[]{out};
        }
        Tensor src = x;
        if (p.permShape != null) {
            src = Tensor.allocate(allocator, x.dtype(), p.permShape);
            StridedCopy.copy(x.segment(), 0, p.permStrides, src.segment(), p.permShape, x.dtype().byteSize);
        }
        try {
            reduce(src, out, p.outer, p.r, p.inner);
        } finally {
            if (src != x) {
                src.close();
            }
        }
        return new Tensor[]{out};
    }

    private void reduce(Tensor x, Tensor out, long outer, long r, long inner) {
        DType t = x.dtype();
        MemorySegment src = x.segment();
        MemorySegment dst = out.segment();
        FloatReduce.Op op = floatOp();
        if (t == DType.FLOAT && op != null && r > 0) {
            FloatReduce.reduce(op, src, dst, outer, r, inner);
            return;
        }
        boolean exact = !t.isFloating() && exactForIntegers();
        for (long o = 0; o < outer; o++) {
            for (long i = 0; i < inner; i++) {
                long base = o * r * inner + i;
                if (exact) {
                    long acc = identityLong(t);
                    for (long k = 0; k < r; k++) {
                        acc = combineLong(acc, t.getLong(src, base + k * inner));
                    }
                    t.setLong(dst, o * inner + i, acc);
                } else {
                    double acc = identity();
                    for (long k = 0; k < r; k++) {
                        acc = combine(acc, t.getDouble(src, base + k * inner));
                    }
                    t.setDouble(dst, o * inner + i, finish(acc, r));
                }
            }
        }
    }
}
