package dev.dnnrun.language.ops.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Cast: converts every element to the dtype named by {@code to}. Integer to integer goes through longs (wrapping as
 * C casts do), anything involving a floating type through doubles (truncating toward zero into integers), and
 * strings are parsed or printed. Float8 types go through doubles too; {@code saturate} (opset 19+) decides whether
 * values beyond their range clamp to the largest finite value or become infinity/NaN, and {@code round_mode}
 * (opset 25+) how values round into FLOAT8E8M0.
 */
public final class Cast extends OpNode {
    private final DType to;
    private final boolean saturate;
    private final DType.E8M0Rounding rounding;

    public Cast(GraphNode node) {
        super(node);
        to = Shapes.dtype(node.attributes().requireInt("to"));
        saturate = saturate(node);
        rounding = rounding(node);
    }

    /** The {@code saturate} attribute (default 1). Shared with CastLike. */
    static boolean saturate(GraphNode node) {
        return node.attributes().getInt("saturate", 1) != 0;
    }

    /** The {@code round_mode} attribute (default "up"). Shared with CastLike. */
    static DType.E8M0Rounding rounding(GraphNode node) {
        String mode = node.attributes().getString("round_mode", "up");
        return switch (mode) {
            case "up" -> DType.E8M0Rounding.UP;
            case "down" -> DType.E8M0Rounding.DOWN;
            case "nearest" -> DType.E8M0Rounding.NEAREST;
            default -> throw new OperatorException("round_mode must be up, down or nearest, not '" + mode + "'");
        };
    }

    @Override
    protected Plan plan(Signature in) {
        return Plan.single(to, in.shape(0));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        return new Tensor[]{convert(inputs[0], to, saturate, rounding, allocator)};
    }

    /** A new tensor holding {@code x}'s elements converted to {@code to}. Shared with CastLike. */
    static Tensor convert(Tensor x, DType to, boolean saturate, DType.E8M0Rounding rounding, BufferAllocator allocator) {
        DType from = x.dtype();
        long n = x.elementCount();
        if (from == to) {
            Tensor out = Tensor.allocate(allocator, to, x.shape());
            Tensor.copy(x, 0, out, 0, n);
            return out;
        }
        if (to == DType.STRING) {
            String[] s = new String[(int) n];
            for (int i = 0; i < n; i++) {
                s[i] = toText(x, i);
            }
            return Tensor.ofStrings(x.shape(), s);
        }
        Tensor out = Tensor.allocate(allocator, to, x.shape());
        MemorySegment dst = out.segment();
        if (from == DType.STRING) {
            String[] s = x.strings();
            for (int i = 0; i < n; i++) {
                parseInto(s[i].trim(), to, saturate, rounding, dst, i);
            }
            return out;
        }
        MemorySegment src = x.segment();
        if (to.isFloat8()) {
            for (long i = 0; i < n; i++) {
                dst.set(ValueLayout.JAVA_BYTE, i, (byte) to.encodeFloat8(from.getDouble(src, i), saturate, rounding));
            }
        } else if (from.isFloat8()) {
            for (long i = 0; i < n; i++) {
                to.setDouble(dst, i, from.getDouble(src, i));
            }
        } else if (from == DType.FLOAT && to == DType.INT64) {
            for (long i = 0; i < n; i++) {
                dst.set(ValueLayout.JAVA_LONG_UNALIGNED, i * 8, (long) src.get(ValueLayout.JAVA_FLOAT_UNALIGNED, i * 4));
            }
        } else if (from == DType.INT64 && to == DType.FLOAT) {
            for (long i = 0; i < n; i++) {
                dst.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i * 4, (float) src.get(ValueLayout.JAVA_LONG_UNALIGNED, i * 8));
            }
        } else if (!from.isFloating() && !to.isFloating()) {
            for (long i = 0; i < n; i++) {
                to.setLong(dst, i, from.getLong(src, i));
            }
        } else {
            for (long i = 0; i < n; i++) {
                to.setDouble(dst, i, from.getDouble(src, i));
            }
        }
        return out;
    }

    private static String toText(Tensor x, int i) {
        DType t = x.dtype();
        return switch (t) {
            case STRING -> x.strings()[i];
            case FLOAT, FLOAT16, BFLOAT16, FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ, FLOAT8E8M0 ->
                Float.toString((float) x.getDouble(i));
            case DOUBLE -> Double.toString(x.getDouble(i));
            case BOOL -> x.getLong(i) != 0 ? "True" : "False";
            case UINT64 -> Long.toUnsignedString(x.getLong(i));
            default -> Long.toString(x.getLong(i));
        };
    }

    private static void parseInto(String s, DType to, boolean saturate, DType.E8M0Rounding rounding, MemorySegment dst,
                    long i) {
        try {
            if (to.isFloat8()) {
                dst.set(ValueLayout.JAVA_BYTE, i, (byte) to.encodeFloat8(parseDouble(s), saturate, rounding));
            } else if (to.isFloating()) {
                to.setDouble(dst, i, parseDouble(s));
            } else if (to == DType.BOOL) {
                to.setLong(dst, i, s.equalsIgnoreCase("true") ? 1 : s.equalsIgnoreCase("false") ? 0 : (long) parseDouble(s));
            } else {
                long v;
                try {
                    v = to == DType.UINT64 ? Long.parseUnsignedLong(s) : Long.parseLong(s);
                } catch (NumberFormatException e) {
                    v = (long) parseDouble(s);
                }
                to.setLong(dst, i, v);
            }
        } catch (NumberFormatException e) {
            throw new OperatorException("cannot convert the string '" + s + "' to " + to);
        }
    }

    private static double parseDouble(String s) {
        String u = s.toUpperCase();
        return switch (u) {
            case "INF", "+INF", "INFINITY", "+INFINITY" -> Double.POSITIVE_INFINITY;
            case "-INF", "-INFINITY" -> Double.NEGATIVE_INFINITY;
            case "NAN", "+NAN", "-NAN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }
}
