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
 * ScatterND: a copy of data where each index tuple (the last axis of indices) selects a slice of data that the
 * matching slice of updates replaces or, from opset 16, is combined with by add, mul, max or min.
 */
public final class ScatterND extends OpNode {
    private final String reduction;

    public ScatterND(GraphNode node) {
        super(node);
        reduction = node.opsetVersion() >= 16 ? node.attributes().getString("reduction", "none") : "none";
        switch (reduction) {
            case "none", "add", "mul" -> {
            }
            case "max", "min" -> {
                if (node.opsetVersion() < 18) {
                    throw new OperatorException("reduction '" + reduction + "' needs opset 18");
                }
            }
            default -> throw new OperatorException("unknown reduction '" + reduction + "'");
        }
    }

    private static final class ScatterPlan extends Plan {
        final int k;
        final long tuples;
        final long slice;

        ScatterPlan(DType t, long[] shape, int k, long tuples, long slice) {
            super(new DType[]{t}, new long[][]{shape});
            this.k = k;
            this.tuples = tuples;
            this.slice = slice;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        long[] is = in.shape(1);
        if (in.dtype(1) != DType.INT64) {
            throw new OperatorException("indices must be int64, got " + in.dtype(1));
        }
        if (in.dtype(2) != in.dtype(0)) {
            throw new OperatorException("updates must have the data's type");
        }
        if (!reduction.equals("none") && !in.dtype(0).isNumeric()) {
            throw new OperatorException("reduction '" + reduction + "' needs numeric data");
        }
        if (is.length < 1 || is[is.length - 1] > s.length) {
            throw new OperatorException("the last axis of indices " + Arrays.toString(is) + " must not exceed the data rank "
                            + s.length);
        }
        int k = (int) is[is.length - 1];
        long[] expected = new long[is.length - 1 + s.length - k];
        System.arraycopy(is, 0, expected, 0, is.length - 1);
        System.arraycopy(s, k, expected, is.length - 1, s.length - k);
        if (!Arrays.equals(expected, in.shape(2))) {
            throw new OperatorException("updates must have shape " + Arrays.toString(expected) + ", got "
                            + Arrays.toString(in.shape(2)));
        }
        return new ScatterPlan(in.dtype(0), s, k, Shapes.product(is, 0, is.length - 1), Shapes.product(s, k, s.length));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        ScatterPlan p = (ScatterPlan) plan;
        Tensor data = inputs[0];
        Tensor indices = inputs[1];
        Tensor updates = inputs[2];
        long[] s = data.shape();
        long[] strides = Shapes.strides(s);
        Tensor out = plan.allocate(allocator);
        Tensor.copy(data, 0, out, 0, data.elementCount());
        DType t = data.dtype();
        boolean floating = t.isFloating();
        for (long j = 0; j < p.tuples; j++) {
            long at = 0;
            for (int d = 0; d < p.k; d++) {
                long v = indices.getLong(j * p.k + d);
                if (v < -s[d] || v >= s[d]) {
                    throw new OperatorException("index " + v + " is out of range for an axis of size " + s[d]);
                }
                at += (v < 0 ? v + s[d] : v) * strides[d];
            }
            long from = j * p.slice;
            if (reduction.equals("none")) {
                Tensor.copy(updates, from, out, at, p.slice);
                continue;
            }
            for (long e = 0; e < p.slice; e++) {
                if (floating) {
                    double x = out.getDouble(at + e);
                    double u = updates.getDouble(from + e);
                    t.setDouble(out.segment(), at + e, switch (reduction) {
                        case "add" -> x + u;
                        case "mul" -> x * u;
                        case "max" -> Math.max(x, u);
                        default -> Math.min(x, u);
                    });
                } else {
                    long x = out.getLong(at + e);
                    long u = updates.getLong(from + e);
                    t.setLong(out.segment(), at + e, switch (reduction) {
                        case "add" -> x + u;
                        case "mul" -> x * u;
                        case "max" -> Math.max(x, u);
                        default -> Math.min(x, u);
                    });
                }
            }
        }
        return new Tensor[]{out};
    }
}
