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
 * ScatterElements: a copy of data where updates[i..] is written (or, from opset 16, combined with add, mul, max or
 * min) at the position whose axis coordinate is indices[i..].
 */
public final class ScatterElements extends OpNode {
    private final long axis;
    private final String reduction;

    public ScatterElements(GraphNode node) {
        super(node);
        axis = node.attributes().getInt("axis", 0);
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

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        long[] idx = in.shape(1);
        if (idx.length != s.length || !Arrays.equals(idx, in.shape(2))) {
            throw new OperatorException("indices and updates must have the same shape and the rank of data");
        }
        if (in.dtype(2) != in.dtype(0)) {
            throw new OperatorException("updates must have the data's type");
        }
        if (!reduction.equals("none") && !in.dtype(0).isNumeric()) {
            throw new OperatorException("reduction '" + reduction + "' needs numeric data");
        }
        Shapes.axis(axis, s.length);
        return Plan.single(in.dtype(0), s);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor data = inputs[0];
        Tensor indices = inputs[1];
        Tensor updates = inputs[2];
        long[] s = data.shape();
        long[] is = indices.shape();
        int r = s.length;
        int a = Shapes.axis(axis, r);
        long[] strides = Shapes.strides(s);
        Tensor out = plan.allocate(allocator);
        Tensor.copy(data, 0, out, 0, data.elementCount());
        DType t = data.dtype();
        boolean floating = t.isFloating();
        long n = indices.elementCount();
        long[] pos = new long[r];
        long base = 0;
        for (long i = 0; i < n; i++) {
            long v = indices.getLong(i);
            if (v < -s[a] || v >= s[a]) {
                throw new OperatorException("index " + v + " is out of range for an axis of size " + s[a]);
            }
            if (v < 0) {
                v += s[a];
            }
            long at = base + v * strides[a];
            if (reduction.equals("none")) {
                Tensor.copy(updates, i, out, at, 1);
            } else if (floating) {
                double x = out.getDouble(at);
                double u = updates.getDouble(i);
                t.setDouble(out.segment(), at, switch (reduction) {
                    case "add" -> x + u;
                    case "mul" -> x * u;
                    case "max" -> Math.max(x, u);
                    default -> Math.min(x, u);
                });
            } else {
                long x = out.getLong(at);
                long u = updates.getLong(i);
                t.setLong(out.segment(), at, switch (reduction) {
                    case "add" -> x + u;
                    case "mul" -> x * u;
                    case "max" -> Math.max(x, u);
                    default -> Math.min(x, u);
                });
            }
            for (int d = r - 1; d >= 0; d--) {
                if (d != a) {
                    base += strides[d];
                }
                if (++pos[d] < is[d]) {
                    break;
                }
                if (d != a) {
                    base -= strides[d] * is[d];
                }
                pos[d] = 0;
            }
        }
        return new Tensor[]{out};
    }
}
