package dev.dnnrun.language.ops.tensor;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.Tensor;

/**
 * Squeeze: a zero-copy view without the listed size-1 axes (all size-1 axes when none are given). Axes are an
 * attribute before opset 13 and an optional input from 13.
 */
public final class Squeeze extends OpNode {
    private final long[] axesAttribute;
    private final boolean axesFromInput;

    public Squeeze(GraphNode node) {
        super(node);
        axesFromInput = node.opsetVersion() >= 13;
        axesAttribute = axesFromInput ? null : node.attributes().getInts("axes");
    }

    @Override
    public boolean isValueInput(int index) {
        return index == 1 && axesFromInput;
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        long[] axes = axesFromInput ? (in.has(1) ? in.longs(1) : null) : axesAttribute;
        boolean[] drop = new boolean[s.length];
        if (axes == null) {
            for (int d = 0; d < s.length; d++) {
                drop[d] = s[d] == 1;
            }
        } else {
            for (int a : Shapes.axes(axes, s.length)) {
                if (s[a] != 1) {
                    throw new OperatorException("cannot squeeze axis " + a + " of shape " + Arrays.toString(s)
                                    + ": its size is not 1");
                }
                drop[a] = true;
            }
        }
        long[] out = new long[s.length];
        int r = 0;
        for (int d = 0; d < s.length; d++) {
            if (!drop[d]) {
                out[r++] = s[d];
            }
        }
        return Plan.single(in.dtype(0), Arrays.copyOf(out, r));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return new Tensor[]{inputs[0].view(plan.outputShape(0))};
    }
}
