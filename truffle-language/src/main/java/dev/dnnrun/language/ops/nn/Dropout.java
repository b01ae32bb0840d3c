package dev.dnnrun.language.ops.nn;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Dropout (1, 6, 7, 10, 12, 13, 22) in inference: Y is X and the optional mask is all true. Training mode
 * (training_mode input true, opset 12+) is accepted only with ratio 0, where it is the same identity.
 */
public final class Dropout extends OpNode {
    private final boolean hasTrainingInputs;

    public Dropout(GraphNode node) {
        super(node);
        hasTrainingInputs = node.opsetVersion() >= 12;
        if (node.opsetVersion() < 7 && node.attributes().getInt("is_test", 0) == 0 && node.attributes().has("is_test")) {
            throw new OperatorException("is_test=0 (training) is not supported");
        }
    }

    @Override
    public boolean isValueInput(int index) {
        return hasTrainingInputs && (index == 1 || index == 2);
    }

    @Override
    protected Plan plan(Signature in) {
        if (hasTrainingInputs && in.has(2) && in.hasValues(2) && in.longs(2)[0] != 0) {
            double ratio = in.has(1) && in.hasValues(1) ? in.doubles(1)[0] : 0.5;
            if (ratio != 0) {
                throw new OperatorException("training mode with ratio " + ratio + " is not supported (inference only)");
            }
        }
        DType maskType = node.opsetVersion() >= 10 ? DType.BOOL : in.dtype(0);
        return new Plan(new DType[]{in.dtype(0), maskType}, new long[][]{in.shape(0), in.shape(0)});
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor y = inputs[0].share();
        Tensor mask = null;
        if (node.outputs().size() > 1 && !node.outputs().get(1).isEmpty()) {
            mask = plan.allocate(allocator, 1);
            for (long i = 0; i < mask.elementCount(); i++) {
                mask.dtype().setLong(mask.segment(), i, 1);
            }
        }
        return new Tensor[]{y, mask};
    }
}
