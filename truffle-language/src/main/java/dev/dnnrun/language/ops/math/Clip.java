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
 * Clip: limits values to [min, max]. Before opset 11 the bounds are float attributes; from 11 they are optional
 * scalar inputs of the input's type. When min exceeds max every value becomes max (min is applied first).
 */
public final class Clip extends OpNode {
    private final boolean boundsAsInputs;
    private final double attrMin;
    private final double attrMax;

    public Clip(GraphNode node) {
        super(node);
        boundsAsInputs = node.opsetVersion() >= 11;
        attrMin = node.attributes().getFloat("min", Float.NEGATIVE_INFINITY);
        attrMax = node.attributes().getFloat("max", Float.POSITIVE_INFINITY);
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        if (!t.isNumeric()) {
            throw new OperatorException("unsupported input type " + t);
        }
        if (!boundsAsInputs && !t.isFloating()) {
            throw new OperatorException("Clip before opset 11 takes floating types, got " + t);
        }
        for (int i = 1; i < 3; i++) {
            if (in.has(i)) {
                if (!boundsAsInputs) {
                    throw new OperatorException("Clip before opset 11 takes its bounds as attributes, not inputs");
                }
                if (in.dtype(i) != t) {
                    throw new OperatorException((i == 1 ? "min" : "max") + " must have the input's type " + t);
                }
                long count = 1;
                for (long d : in.shape(i)) {
                    count *= d;
                }
                if (count != 1) {
                    throw new OperatorException((i == 1 ? "min" : "max") + " must be a scalar");
                }
            }
        }
        return Plan.single(t, in.shape(0));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor x = inputs[0];
        Tensor out = plan.allocate(allocator);
        DType t = x.dtype();
        Tensor minT = inputs.length > 1 ? inputs[1] : null;
        Tensor maxT = inputs.length > 2 ? inputs[2] : null;
        MemorySegment si = x.segment();
        MemorySegment so = out.segment();
        long n = x.elementCount();
        if (t.isFloating()) {
            double lo = minT != null ? minT.getDouble(0) : boundsAsInputs ? Double.NEGATIVE_INFINITY : attrMin;
            double hi = maxT != null ? maxT.getDouble(0) : boundsAsInputs ? Double.POSITIVE_INFINITY : attrMax;
            if (t == DType.FLOAT) {
                FloatUnary.apply(FloatUnary.Op.CLIP, (float) lo, (float) hi, si, so, n);
            } else {
                for (long i = 0; i < n; i++) {
                    t.setDouble(so, i, Math.min(Math.max(t.getDouble(si, i), lo), hi));
                }
            }
        } else {
            boolean unsigned64 = t == DType.UINT64;
            for (long i = 0; i < n; i++) {
                long v = t.getLong(si, i);
                if (minT != null && compare(v, minT.getLong(0), unsigned64) < 0) {
                    v = minT.getLong(0);
                }
                if (maxT != null && compare(v, maxT.getLong(0), unsigned64) > 0) {
                    v = maxT.getLong(0);
                }
                t.setLong(so, i, v);
            }
        }
        return new Tensor[]{out};
    }

    private static int compare(long a, long b, boolean unsigned64) {
        return unsigned64 ? Long.compareUnsigned(a, b) : Long.compare(a, b);
    }
}
