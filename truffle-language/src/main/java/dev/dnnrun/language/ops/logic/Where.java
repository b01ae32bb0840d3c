package dev.dnnrun.language.ops.logic;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.elementwise.Broadcast;
import dev.dnnrun.kernels.elementwise.Select;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** Where: picks X where the condition is true and Y elsewhere, all three broadcast together. */
public final class Where extends OpNode {
    public Where(GraphNode node) {
        super(node);
    }

    static final class WherePlan extends Plan {
        final Broadcast broadcast;

        WherePlan(DType type, Broadcast broadcast) {
            super(new DType[]{type}, new long[][]{broadcast.outputShape()});
            this.broadcast = broadcast;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        if (!in.has(0) || !in.has(1) || !in.has(2)) {
            throw new OperatorException("needs three inputs");
        }
        if (in.dtype(0) != DType.BOOL) {
            throw new OperatorException("condition must be bool, got " + in.dtype(0));
        }
        if (in.dtype(1) != in.dtype(2)) {
            throw new OperatorException("X and Y must have the same type");
        }
        try {
            return new WherePlan(in.dtype(1), Broadcast.of(in.shape(0), in.shape(1), in.shape(2)));
        } catch (IllegalArgumentException e) {
            throw new OperatorException(e.getMessage());
        }
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Broadcast bc = ((WherePlan) plan).broadcast;
        Tensor out = plan.allocate(allocator);
        if (out.dtype() == DType.STRING) {
            selectStrings(bc, inputs, out);
        } else if (out.elementCount() > 0) {
            Select.where(bc, inputs[0].segment(), inputs[1].segment(), inputs[2].segment(), out.segment(), out.dtype().byteSize);
        }
        return new Tensor[]{out};
    }

    private static void selectStrings(Broadcast bc, Tensor[] in, Tensor out) {
        String[] x = in[1].strings();
        String[] y = in[2].strings();
        String[] o = out.strings();
        long n = bc.rowLength();
        Broadcast.Cursor c = bc.cursor();
        int pos = 0;
        for (long r = 0; r < bc.rowCount(); r++) {
            for (long i = 0; i < n; i++) {
                boolean t = in[0].getLong(c.offset(0) + i * bc.innerStride(0)) != 0;
                o[pos++] = t ? x[(int) (c.offset(1) + i * bc.innerStride(1))] : y[(int) (c.offset(2) + i * bc.innerStride(2))];
            }
            c.next();
        }
    }
}
