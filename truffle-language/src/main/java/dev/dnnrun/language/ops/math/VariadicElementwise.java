package dev.dnnrun.language.ops.math;

import java.lang.foreign.MemorySegment;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.elementwise.Broadcast;
import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.kernels.elementwise.Select;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Base of Sum, Mean, Max and Min: any number of same-typed inputs broadcast together (numpy rules since opset 8;
 * earlier versions required equal shapes, which broadcasting also accepts). The output starts as input 0 expanded
 * to the output shape and each further input is folded into it in place.
 */
public abstract class VariadicElementwise extends OpNode {
    protected VariadicElementwise(GraphNode node) {
        super(node);
    }

    protected abstract FloatBinary.Op floatOp();

    protected abstract double applyDouble(double x, double y);

    protected abstract long applyLong(long x, long y, boolean unsigned64);

    protected boolean floatingOnly() {
        return false;
    }

    /** Final step on the folded result (Mean divides); the default does nothing. */
    protected void finish(@SuppressWarnings("unused") Tensor out, @SuppressWarnings("unused") int inputCount) {
    }

    static final class VariadicPlan extends Plan {
        /** expand: (output, input 0); folds[k]: (output, input k + 1). */
        final Broadcast expand;
        final Broadcast[] folds;
        /** (input 0, input 1) when those two already span the output shape, else null. */
        final Broadcast firstPair;

        VariadicPlan(DType type, long[] shape, Broadcast expand, Broadcast[] folds, Broadcast firstPair) {
            super(new DType[]{type}, new long[][]{shape});
            this.expand = expand;
            this.folds = folds;
            this.firstPair = firstPair;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        int n = in.inputCount();
        if (n == 0) {
            throw new OperatorException("needs at least one input");
        }
        long[][] shapes = new long[n][];
        DType type = in.dtype(0);
        for (int i = 0; i < n; i++) {
            if (!in.has(i)) {
                throw new OperatorException("input " + i + " is missing");
            }
            if (in.dtype(i) != type) {
                throw new OperatorException("all inputs must have the same type");
            }
            shapes[i] = in.shape(i);
        }
        if (type == null || !type.isNumeric() || (floatingOnly() && !type.isFloating())) {
            throw new OperatorException("unsupported input type " + type);
        }
        long[] out = BinaryElementwise.broadcast(shapes).outputShape();
        Broadcast[] folds = new Broadcast[n - 1];
        for (int i = 1; i < n; i++) {
            folds[i - 1] = Broadcast.of(out, shapes[i]);
        }
        Broadcast firstPair = n >= 2 && java.util.Arrays.equals(Broadcast.broadcastShape(shapes[0], shapes[1]), out)
                        ? Broadcast.of(shapes[0], shapes[1]) : null;
        return new VariadicPlan(type, out, Broadcast.of(out, shapes[0]), folds, firstPair);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        VariadicPlan p = (VariadicPlan) plan;
        Tensor out = plan.allocate(allocator);
        DType t = out.dtype();
        MemorySegment so = out.segment();
        FloatBinary.Op op = floatOp();
        int k0 = 1;
        if (t == DType.FLOAT && p.firstPair != null) {
            // One pass like a binary op, instead of copying input 0 and folding input 1 into the copy.
            FloatBinary.apply(op, p.firstPair, inputs[0].segment(), inputs[1].segment(), so);
            k0 = 2;
        } else {
            Select.expand(p.expand, inputs[0].segment(), so, t.byteSize);
        }
        boolean unsigned64 = t == DType.UINT64;
        for (int k = k0; k < inputs.length; k++) {
            Broadcast bc = p.folds[k - 1];
            MemorySegment sb = inputs[k].segment();
            if (t == DType.FLOAT) {
                FloatBinary.apply(op, bc, so, sb, so);
                continue;
            }
            long n = bc.rowLength();
            long rows = bc.rowCount();
            int bs = bc.innerStride(1);
            Broadcast.Cursor c = bc.cursor();
            long o = 0;
            for (long r = 0; r < rows; r++) {
                long bi = c.offset(1);
                if (t.isFloating()) {
                    for (long i = 0; i < n; i++) {
                        t.setDouble(so, o + i, applyDouble(t.getDouble(so, o + i), t.getDouble(sb, bi + i * bs)));
                    }
                } else {
                    for (long i = 0; i < n; i++) {
                        t.setLong(so, o + i, applyLong(t.getLong(so, o + i), t.getLong(sb, bi + i * bs), unsigned64));
                    }
                }
                o += n;
                c.next();
            }
        }
        finish(out, inputs.length);
        return new Tensor[]{out};
    }
}
