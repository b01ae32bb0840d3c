package dev.dnnrun.language.ops.math;

import java.lang.foreign.MemorySegment;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.elementwise.FloatUnary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Base of the one-input elementwise operators (math functions and activations). float32 with a
 * {@link #floatOp() vector kernel} runs it; other types run a contiguous loop over the subclass's scalar function,
 * in doubles for floating inputs and in longs for integer ones (when the operator accepts integers).
 */
public abstract class UnaryElementwise extends OpNode {
    protected UnaryElementwise(GraphNode node) {
        super(node);
    }

    /** The float32 vector kernel, or null to use {@link #applyDouble} for float32 too. */
    protected FloatUnary.Op floatOp() {
        return null;
    }

    /** First and second float parameters of the vector kernel (alpha, min/max, ...). */
    protected float floatParam0() {
        return 0f;
    }

    protected float floatParam1() {
        return 0f;
    }

    /** Input types the operator takes; by default the floating ones. */
    protected boolean accepts(DType t) {
        return t.isFloating();
    }

    protected DType outputType(DType t) {
        return t;
    }

    protected abstract double applyDouble(double x);

    /** Integer semantics, for operators that accept integer types. */
    protected long applyLong(long x, @SuppressWarnings("unused") DType type) {
        throw new IllegalStateException(getClass().getSimpleName() + " has no integer form");
    }

    @Override
    protected Plan plan(Signature in) {
        if (!in.has(0)) {
            throw new OperatorException("needs an input");
        }
        DType t = in.dtype(0);
        if (!accepts(t)) {
            throw new OperatorException("unsupported input type " + t);
        }
        return Plan.single(outputType(t), in.shape(0));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor x = inputs[0];
        Tensor out = plan.allocate(allocator);
        DType t = x.dtype();
        DType to = out.dtype();
        MemorySegment si = x.segment();
        MemorySegment so = out.segment();
        long n = x.elementCount();
        FloatUnary.Op op = floatOp();
        if (op != null && t == DType.FLOAT && to == DType.FLOAT) {
            FloatUnary.apply(op, floatParam0(), floatParam1(), si, so, n);
        } else if (t.isFloating()) {
            for (long i = 0; i < n; i++) {
                to.setDouble(so, i, applyDouble(t.getDouble(si, i)));
            }
        } else {
            for (long i = 0; i < n; i++) {
                to.setLong(so, i, applyLong(t.getLong(si, i), t));
            }
        }
        return new Tensor[]{out};
    }

    /** Signed integer and floating types: those where negation and absolute value make sense. */
    protected static boolean signedNumeric(DType t) {
        return t.isNumeric();
    }
}
