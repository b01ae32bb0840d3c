package dev.dnnrun.language.ops.tensor;

import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Reshape: a zero-copy view. The target shape is an input from opset 5 (an attribute before); -1 infers one
 * dimension, 0 copies the input's dimension unless {@code allowzero} (opset 14) asks for a literal zero.
 */
public final class Reshape extends OpNode {
    private final long[] shapeAttribute;
    private final boolean allowZero;

    public Reshape(GraphNode node) {
        super(node);
        if (node.opsetVersion() < 5) {
            shapeAttribute = node.attributes().getInts("shape");
            if (shapeAttribute == null) {
                throw new OperatorException("missing required attribute 'shape'");
            }
        } else {
            shapeAttribute = null;
        }
        allowZero = node.opsetVersion() >= 14 && node.attributes().getInt("allowzero", 0) != 0;
    }

    @Override
    public boolean isValueInput(int index) {
        return index == 1;
    }

    @Override
    protected Plan plan(Signature in) {
        long[] requested;
        if (shapeAttribute != null) {
            requested = shapeAttribute.clone();
        } else {
            if (!in.has(1)) {
                throw new OperatorException("the shape input is missing");
            }
            if (in.dtype(1) != DType.INT64 || in.rank(1) != 1) {
                throw new OperatorException("shape must be a 1-D int64 tensor");
            }
            requested = in.longs(1);
        }
        return Plan.single(in.dtype(0), resolve(in.shape(0), requested, allowZero));
    }

    static long[] resolve(long[] inShape, long[] requested, boolean allowZero) {
        long[] out = requested.clone();
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1) {
                if (inferred >= 0) {
                    throw new OperatorException("shape " + Arrays.toString(requested) + " has more than one -1");
                }
                inferred = i;
                continue;
            }
            if (out[i] == 0 && !allowZero) {
                if (i >= inShape.length) {
                    throw new OperatorException("shape " + Arrays.toString(requested) + " copies dimension " + i
                                    + " that the input " + Arrays.toString(inShape) + " does not have");
                }
                out[i] = inShape[i];
            } else if (out[i] < 0) {
                throw new OperatorException("invalid dimension " + out[i] + " in shape " + Arrays.toString(requested));
            }
            known *= out[i];
        }
        long total = Shapes.count(inShape);
        if (inferred >= 0) {
            if (known == 0 || total % known != 0) {
                throw new OperatorException("cannot reshape " + Arrays.toString(inShape) + " to " + Arrays.toString(requested));
            }
            out[inferred] = total / known;
        } else if (known != total) {
            throw new OperatorException("cannot reshape " + Arrays.toString(inShape) + " (" + total + " elements) to "
                            + Arrays.toString(requested));
        }
        return out;
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return new Tensor[]{inputs[0].view(plan.outputShape(0))};
    }
}
