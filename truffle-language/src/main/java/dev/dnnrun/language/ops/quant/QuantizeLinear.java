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

/**
 * QuantizeLinear: y = saturate(round_half_even(x / scale) + zero_point), per tensor, per axis or blocked. Float8
 * outputs instead round x / scale + zero_point to the float8 format, saturating or not as the attribute says.
 */
public final class QuantizeLinear extends OpNode {
    private final long axis;
    private final long blockSize;
    private final int outputDtype;
    private final int precision;
    private final boolean saturate;

    public QuantizeLinear(GraphNode node) {
        super(node);
        axis = node.attributes().getInt("axis", 1);
        blockSize = node.attributes().getInt("block_size", 0);
        outputDtype = (int) node.attributes().getInt("output_dtype", 0);
        precision = (int) node.attributes().getInt("precision", 0);
        saturate = node.attributes().getInt("saturate", 1) != 0;
        if (blockSize < 0) {
            throw new OperatorException("block_size must not be negative, got " + blockSize);
        }
    }

    private static final class QuantizePlan extends Plan {
        final ScaleLayout layout;
        final DType divisionType;

        QuantizePlan(DType out, long[] shape, ScaleLayout layout, DType divisionType) {
            super(new DType[]{out}, new long[][]{shape});
            this.layout = layout;
            this.divisionType = divisionType;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        DType x = in.dtype(0);
        if (!x.isFloating() && x != DType.INT32) {
            throw new OperatorException("unsupported input type " + x);
        }
        DType out;
        if (in.has(2)) {
            out = in.dtype(2);
            if (outputDtype != 0 && Shapes.dtype(outputDtype) != out) {
                throw new OperatorException("output_dtype " + DType.onnxName(outputDtype) + " differs from zero point type " + out);
            }
        } else {
            out = outputDtype != 0 ? Shapes.dtype(outputDtype) : DType.UINT8;
        }
        if (!out.isFloat8() && range(out) == null) {
            throw new OperatorException("unsupported output type " + out);
        }
        DType division = precision != 0 ? Shapes.dtype(precision) : in.dtype(1);
        ScaleLayout layout = ScaleLayout.of(in.shape(0), in.shape(1), in.has(2) ? in.shape(2) : null, axis, blockSize);
        return new QuantizePlan(out, in.shape(0), layout, division);
    }

    /** The saturation range of an integer output type, or null when the type is not an integer quantization target. */
    private static long[] range(DType t) {
        return switch (t) {
            case UINT8 -> new long[]{0, 255};
            case INT8 -> new long[]{-128, 127};
            case UINT16 -> new long[]{0, 65535};
            case INT16 -> new long[]{-32768, 32767};
            case INT32 -> new long[]{Integer.MIN_VALUE, Integer.MAX_VALUE};
            default -> null;
        };
    }

    /** Rounds a quotient to the precision the division is specified in. */
    private static double inPrecision(DType t, double v) {
        return switch (t) {
            case DOUBLE -> v;
            case FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
            case BFLOAT16 -> {
                int bits = Float.floatToRawIntBits((float) v);
                if (Float.isNaN((float) v)) {
                    yield v;
                }
                bits += 0x7fff + ((bits >>> 16) & 1); // round to nearest even in the upper half
                yield Float.intBitsToFloat(bits & 0xffff0000);
            }
            default -> (float) v;
        };
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        QuantizePlan p = (QuantizePlan) plan;
        ScaleLayout l = p.layout;
        Tensor x = inputs[0];
        Tensor scale = inputs[1];
        Tensor zero = inputs.length > 2 ? inputs[2] : null;
        Tensor out = plan.allocate(allocator);
        DType t = out.dtype();
        long[] range = range(t);
        long at = 0;
        for (long o = 0; o < l.outer; o++) {
            for (long k = 0; k < l.n; k++) {
                for (long i = 0; i < l.inner; i++, at++) {
                    long s = l.index(o, k, i);
                    double q = inPrecision(p.divisionType, x.getDouble(at) / scale.getDouble(s));
                    if (range != null) {
                        double v = Math.rint(q) + (zero == null ? 0 : zero.getLong(s));
                        long c = Double.isNaN(v) ? 0 : (long) Math.max(range[0], Math.min(range[1], v));
                        t.setLong(out.segment(), at, c);
                    } else {
                        double v = q + (zero == null ? 0 : zero.getDouble(s));
                        out.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, at,
                                        (byte) t.encodeFloat8(v, saturate, DType.E8M0Rounding.UP));
                    }
                }
            }
        }
        return new Tensor[]{out};
    }
}
