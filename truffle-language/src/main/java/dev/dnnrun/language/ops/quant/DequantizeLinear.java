package dev.dnnrun.language.ops.quant;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.language.ops.tensor.Shapes;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** DequantizeLinear: y = (x - zero_point) * scale, per tensor, per axis or blocked. */
public final class DequantizeLinear extends OpNode {
    private final long axis;
    private final long blockSize;
    private final int outputDtype;

    public DequantizeLinear(GraphNode node) {
        super(node);
        axis = node.attributes().getInt("axis", 1);
        blockSize = node.attributes().getInt("block_size", 0);
        outputDtype = (int) node.attributes().getInt("output_dtype", 0);
        if (blockSize < 0) {
            throw new OperatorException("block_size must not be negative, got " + blockSize);
        }
    }

    private static final class DequantizePlan extends Plan {
        final ScaleLayout layout;

        DequantizePlan(DType out, long[] shape, ScaleLayout layout) {
            super(new DType[]{out}, new long[][]{shape});
            this.layout = layout;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        DType x = in.dtype(0);
        boolean integer = x == DType.INT8 || x == DType.UINT8 || x == DType.INT16 || x == DType.UINT16 || x == DType.INT32;
        if (!integer && !x.isFloat8()) {
            throw new OperatorException("unsupported input type " + x);
        }
        if (in.has(2) && in.dtype(2) != x) {
            throw new OperatorException("zero point type " + in.dtype(2) + " differs from input type " + x);
        }
        DType out = outputDtype != 0 ? Shapes.dtype(outputDtype) : in.dtype(1);
        if (!out.isFloating()) {
            throw new OperatorException("unsupported output type " + out);
        }
        ScaleLayout layout = ScaleLayout.of(in.shape(0), in.shape(1), in.has(2) ? in.shape(2) : null, axis, blockSize);
        return new DequantizePlan(out, in.shape(0), layout);
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        ScaleLayout l = ((DequantizePlan) plan).layout;
        Tensor x = inputs[0];
        Tensor scale = inputs[1];
        Tensor zero = inputs.length > 2 ? inputs[2] : null;
        Tensor out = plan.allocate(allocator);
        DType t = out.dtype();
        long at = 0;
        for (long o = 0; o < l.outer; o++) {
            for (long k = 0; k < l.n; k++) {
                for (long i = 0; i < l.inner; i++, at++) {
                    long s = l.index(o, k, i);
                    // integer differences and float8 values are exact in double, so the product rounds only once
                    double v = (x.getDouble(at) - (zero == null ? 0 : zero.getDouble(s))) * scale.getDouble(s);
                    t.setDouble(out.segment(), at, v);
                }
            }
        }
        return new Tensor[]{out};
    }
}
