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
 * Split: cuts the input along an axis into the node's outputs. Sizes come from the {@code split} attribute
 * (opsets 1-12; opset 1 also accepts a second input) or the optional {@code split} input (13+); otherwise the
 * axis is divided evenly, and from opset 18 {@code num_outputs} lets the last part be smaller.
 */
public final class Split extends OpNode {
    private final long axis;
    private final long[] splitAttribute;
    private final boolean splitInput;
    private final int outputs;

    public Split(GraphNode node) {
        super(node);
        int v = node.opsetVersion();
        axis = node.attributes().getInt("axis", 0);
        splitAttribute = v < 13 ? node.attributes().getInts("split") : null;
        splitInput = v >= 13 || v < 2;
        long num = v >= 18 ? node.attributes().getInt("num_outputs", -1) : -1;
        outputs = node.outputs().size();
        if (num >= 0 && num != outputs) {
            throw new OperatorException("num_outputs is " + num + " but the node has " + outputs + " outputs");
        }
    }

    @Override
    public boolean isValueInput(int index) {
        return index == 1 && splitInput;
    }

    private static final class SplitPlan extends Plan {
        final long outer;
        final long inBlock;
        final long[] blocks;

        SplitPlan(DType[] t, long[][] shapes, long outer, long inBlock, long[] blocks) {
            super(t, shapes);
            this.outer = outer;
            this.inBlock = inBlock;
            this.blocks = blocks;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        int a = Shapes.axis(axis, s.length);
        long dim = s[a];
        long[] sizes;
        if (splitInput && in.has(1)) {
            sizes = in.longs(1);
        } else if (splitAttribute != null) {
            sizes = splitAttribute;
        } else {
            sizes = new long[outputs];
            long chunk = (dim + outputs - 1) / outputs;
            if (node.opsetVersion() < 18 && dim % outputs != 0) {
                throw new OperatorException("axis of size " + dim + " cannot be split evenly into " + outputs + " parts");
            }
            long left = dim;
            for (int i = 0; i < outputs; i++) {
                sizes[i] = Math.min(chunk, left);
                left -= sizes[i];
            }
        }
        if (sizes.length != outputs) {
            throw new OperatorException("split has " + sizes.length + " sizes for " + outputs + " outputs");
        }
        long sum = 0;
        for (long z : sizes) {
            if (z < 0) {
                throw new OperatorException("negative split size " + z);
            }
            sum += z;
        }
        if (sum != dim) {
            throw new OperatorException("split sizes add up to " + sum + ", the axis has " + dim);
        }
        long inner = Shapes.product(s, a + 1, s.length);
        DType[] types = new DType[outputs];
        long[][] shapes = new long[outputs][];
        long[] blocks = new long[outputs];
        for (int i = 0; i < outputs; i++) {
            types[i] = in.dtype(0);
            shapes[i] = s.clone();
            shapes[i][a] = sizes[i];
            blocks[i] = sizes[i] * inner;
        }
        return new SplitPlan(types, shapes, Shapes.product(s, 0, a), dim * inner, blocks);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        SplitPlan p = (SplitPlan) plan;
        Tensor[] out = new Tensor[outputs];
        long start = 0;
        for (int i = 0; i < outputs; i++) {
            out[i] = plan.allocate(allocator, i);
            long b = p.blocks[i];
            if (b > 0) {
                for (long o = 0; o < p.outer; o++) {
                    Tensor.copy(inputs[0], o * p.inBlock + start, out[i], o * b, b);
                }
            }
            start += b;
        }
        return out;
    }
}
