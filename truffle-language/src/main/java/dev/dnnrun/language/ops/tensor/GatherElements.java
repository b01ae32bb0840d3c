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

/** GatherElements: out[i..] = data[i.. with index on axis replaced by indices[i..]]; output has the indices' shape. */
public final class GatherElements extends OpNode {
    private final long axis;

    public GatherElements(GraphNode node) {
        super(node);
        axis = node.attributes().getInt("axis", 0);
    }

    @Override
    protected Plan plan(Signature in) {
        long[] s = in.shape(0);
        long[] idx = in.shape(1);
        if (idx.length != s.length) {
            throw new OperatorException("indices " + Arrays.toString(idx) + " must have the rank of data " + Arrays.toString(s));
        }
        if (in.dtype(1) != DType.INT32 && in.dtype(1) != DType.INT64) {
            throw new OperatorException("indices must be int32 or int64, got " + in.dtype(1));
        }
        Shapes.axis(axis, s.length);
        return Plan.single(in.dtype(0), idx);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Tensor data = inputs[0];
        Tensor indices = inputs[1];
        long[] s = data.shape();
        long[] is = indices.shape();
        int r = s.length;
        int a = Shapes.axis(axis, r);
        long[] strides = Shapes.strides(s);
        Tensor out = plan.allocate(allocator);
        long n = indices.elementCount();
        long[] pos = new long[r];
        long base = 0; // data offset of pos with the axis coordinate left out
        for (long i = 0; i < n; i++) {
            long v = indices.getLong(i);
            if (v < -s[a] || v >= s[a]) {
                throw new OperatorException("index " + v + " is out of range for an axis of size " + s[a]);
            }
            if (v < 0) {
                v += s[a];
            }
            Tensor.copy(data, base + v * strides[a], out, i, 1);
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
