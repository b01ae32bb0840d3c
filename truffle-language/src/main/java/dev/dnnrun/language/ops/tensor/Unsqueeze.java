package dev.dnnrun.language.ops.tensor;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.Tensor;

/**
 * Unsqueeze: a zero-copy view with size-1 axes inserted; axes index the output. They are an attribute before
 * opset 13 and a required input from 13.
 */
public final class Unsqueeze extends OpNode {
    private final long[] axesAttribute;
    private final boolean axesFromInput;

    public Unsqueeze(GraphNode node) {
        super(node);
        axesFromInput = node.opsetVersion() >= 13;
        axesAttribute = axesFromInput ? null : node.attributes().getInts("axes");
        if (!axesFromInput && axesAttribute == null) {
            throw new OperatorException("missing required attribute 'axes'");
        }
    }

    @Override
    public boolean isValueInput(int index) {
        return index == 1 && axesFromInput;
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        long[] axes;
        if (axesFromInput) {
            if (!in.has(1)) {
                throw new OperatorException("the axes input is missing");
            }
            axes = in.longs(1);
        } else {
            axes = axesAttribute;
        }
        int rank = s.length + axes.length;
        boolean[] inserted = new boolean[rank];
        for (int a : Shapes.axes(axes, rank)) {
            inserted[a] = true;
        }
        long[] out = new long[rank];
        int k = 0;
        for (int d = 0; d < rank; d++) {
            out[d] = inserted[d] ? 1 : s[k++];
        }
        return Plan.single(in.dtype(0), out);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return new Tensor[]{inputs[0].view(plan.outputShape(0))};
    }
}
