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
 * Range: start, start+delta, ... up to limit (exclusive), max(ceil((limit-start)/delta), 0) elements. Integers
 * are computed exactly; floating types as start + i*delta (in float for float16/bfloat16, as opset 27's default
 * stash type asks, which is also what a float computation gives).
 */
public final class Range extends OpNode {
    public Range(GraphNode node) {
        super(node);
    }

    @Override
    public boolean isValueInput(int index) {
        return true;
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        if (in.dtype(1) != t || in.dtype(2) != t) {
            throw new OperatorException("start, limit and delta must have the same type");
        }
        if (!t.isNumeric()) {
            throw new OperatorException("unsupported type " + t);
        }
        for (int i = 0; i < 3; i++) {
            if (Shapes.count(in.shape(i)) != 1) {
                throw new OperatorException("start, limit and delta must be scalars");
            }
        }
        long n;
        if (t.isFloating()) {
            double start = in.doubles(0)[0];
            double limit = in.doubles(1)[0];
            double delta = in.doubles(2)[0];
            if (delta == 0) {
                throw new OperatorException("delta cannot be 0");
            }
            n = (long) Math.max(0, Math.ceil((limit - start) / delta));
        } else {
            long start = in.longs(0)[0];
            long limit = in.longs(1)[0];
            long delta = in.longs(2)[0];
            if (delta == 0) {
                throw new OperatorException("delta cannot be 0");
            }
            long span = limit - start;
            n = span / delta + (span % delta != 0 && (span < 0) == (delta < 0) ? 1 : 0);
            n = Math.max(0, n);
        }
        return Plan.single(t, new long[]{n});
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        DType t = plan.outputType(0);
        Tensor out = plan.allocate(allocator);
        long n = out.elementCount();
        if (t.isFloating()) {
            double start = inputs[0].getDouble(0);
            double delta = inputs[2].getDouble(0);
            for (long i = 0; i < n; i++) {
                t.setDouble(out.segment(), i, t == DType.DOUBLE ? start + i * delta : (float) start + i * (float) delta);
            }
        } else {
            long start = inputs[0].getLong(0);
            long delta = inputs[2].getLong(0);
            for (long i = 0; i < n; i++) {
                t.setLong(out.segment(), i, start + i * delta);
            }
        }
        return new Tensor[]{out};
    }
}
