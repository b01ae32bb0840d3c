package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.Tensor;

/**
 * Slice: a strided window of the input. Opset 1 takes starts/ends/axes as attributes; from opset 10 they are
 * inputs, with optional axes and steps. Out-of-range bounds are clamped as numpy does.
 */
public final class Slice extends OpNode {
    private final long[] startsAttr;
    private final long[] endsAttr;
    private final long[] axesAttr;

    public Slice(GraphNode node) {
        super(node);
        if (node.opsetVersion() < 10) {
            startsAttr = node.attributes().getInts("starts");
            endsAttr = node.attributes().getInts("ends");
            axesAttr = node.attributes().getInts("axes");
            if (startsAttr == null || endsAttr == null) {
                throw new OperatorException("attributes 'starts' and 'ends' are required");
            }
        } else {
            startsAttr = endsAttr = axesAttr = null;
        }
    }

    @Override
    public boolean isValueInput(int index) {
        return index >= 1 && startsAttr == null;
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        int r = s.length;
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (startsAttr != null) {
            starts = startsAttr;
            ends = endsAttr;
            axes = axesAttr;
        } else {
            starts = in.longs(1);
            ends = in.longs(2);
            axes = in.has(3) ? in.longs(3) : null;
            steps = in.has(4) ? in.longs(4) : null;
        }
        int n = starts.length;
        if (ends.length != n || (axes != null && axes.length != n) || (steps != null && steps.length != n)) {
            throw new OperatorException("starts, ends, axes and steps must have the same length");
        }
        int[] ax = axes == null ? null : Shapes.axes(axes, r);
        long[] inStrides = Shapes.strides(s);
        long[] outShape = s.clone();
        long[] strides = inStrides.clone();
        long offset = 0;
        for (int i = 0; i < n; i++) {
            int a = ax == null ? i : ax[i];
            if (a >= r) {
                throw new OperatorException("slice has more entries than the input has axes");
            }
            long dim = s[a];
            long step = steps == null ? 1 : steps[i];
            if (step == 0) {
                throw new OperatorException("slice step cannot be 0");
            }
            long start = starts[i];
            long end = ends[i];
            if (start < 0) {
                start += dim;
            }
            if (end < 0) {
                end += dim;
            }
            long count;
            if (step > 0) {
                start = Math.max(0, Math.min(dim, start));
                end = Math.max(0, Math.min(dim, end));
                count = end > start ? (end - start + step - 1) / step : 0;
            } else {
                start = Math.max(-1, Math.min(dim - 1, start));
                end = Math.max(-1, Math.min(dim - 1, end));
                count = start > end ? (start - end + (-step) - 1) / (-step) : 0;
            }
            outShape[a] = count;
            if (count > 0) {
                offset += start * inStrides[a];
            }
            strides[a] = inStrides[a] * step;
        }
        return new StridedPlan(in.dtype(0), outShape, offset, strides);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return ((StridedPlan) plan).copy(inputs[0], allocator);
    }
}
