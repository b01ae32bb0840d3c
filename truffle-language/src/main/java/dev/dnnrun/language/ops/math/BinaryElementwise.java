package dev.dnnrun.language.ops.math;

import java.lang.foreign.MemorySegment;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.kernels.elementwise.Broadcast;
import dev.dnnrun.kernels.elementwise.FloatBinary;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Base of the two-input elementwise operators (arithmetic, comparisons, logic). Handles numpy broadcasting and,
 * before opset 7, the legacy {@code broadcast}/{@code axis} attributes. float32 inputs with a
 * {@link #floatOp() fast kernel} take the vectorised path; everything else runs the generic loop in doubles
 * (floating inputs) or longs (integer and bool inputs) through the subclass's scalar functions.
 */
public abstract class BinaryElementwise extends OpNode {
    /** Legacy (opset < 7) broadcasting: -1 = numpy-style suffix alignment, else B aligned at this axis of A. */
    private final long legacyAxis;
    private final boolean legacyNoBroadcast;

    protected BinaryElementwise(GraphNode node) {
        this(node, 7);
    }

    /** @param numpyFrom the since-version from which this operator uses numpy broadcasting */
    protected BinaryElementwise(GraphNode node, int numpyFrom) {
        super(node);
        boolean legacy = node.opsetVersion() < numpyFrom;
        legacyNoBroadcast = legacy && node.attributes().getInt("broadcast", 0) == 0;
        legacyAxis = legacy && node.attributes().has("axis") ? node.attributes().getInt("axis", 0) : -1;
    }

    /** The vectorised float32 kernel, or null when float32 uses the generic path. */
    protected FloatBinary.Op floatOp() {
        return null;
    }

    /** Whether the operator accepts these input types (checked in plan). */
    protected abstract boolean accepts(DType a, DType b);

    protected DType outputType(DType a, @SuppressWarnings("unused") DType b) {
        return a;
    }

    /** Whether the generic path computes in doubles (else in longs). */
    protected boolean computesInDouble(DType a, @SuppressWarnings("unused") DType b) {
        return a.isFloating();
    }

    protected abstract double applyDouble(double x, double y);

    /** Integer (and bool) semantics; {@code unsigned64} is true for uint64, whose longs are unsigned. */
    protected abstract long applyLong(long x, long y, boolean unsigned64);

    static final class BinaryPlan extends Plan {
        final Broadcast broadcast;

        BinaryPlan(DType type, Broadcast broadcast) {
            super(new DType[]{type}, new long[][]{broadcast.outputShape()});
            this.broadcast = broadcast;
        }
    }

    @Override
    protected Plan plan(Signature in) {
        if (!in.has(0) || !in.has(1)) {
            throw new OperatorException("needs two inputs");
        }
        DType a = in.dtype(0);
        DType b = in.dtype(1);
        if (!accepts(a, b)) {
            throw new OperatorException("unsupported input types " + a + " and " + b);
        }
        long[] shapeA = in.shape(0);
        long[] shapeB = in.shape(1);
        if (legacyNoBroadcast && !java.util.Arrays.equals(shapeA, shapeB)) {
            throw new OperatorException("inputs must have the same shape when broadcast=0");
        }
        if (legacyAxis >= 0) {
            shapeB = alignAtAxis(shapeA, shapeB, legacyAxis);
        } else {
            shapeB = alignSecond(shapeA, shapeB);
        }
        return new BinaryPlan(outputType(a, b), broadcast(shapeA, shapeB));
    }

    /** How B's shape lines up with A's before numpy broadcasting; operators with older rules override it. */
    protected long[] alignSecond(@SuppressWarnings("unused") long[] a, long[] b) {
        return b;
    }

    /** Legacy broadcasting: B's dimensions match A's starting at {@code axis}, so pad B with trailing ones. */
    protected static long[] alignAtAxis(long[] a, long[] b, long axis) {
        long ax = axis < 0 ? axis + a.length : axis;
        int trailing = (int) (a.length - ax - b.length);
        if (ax < 0 || trailing < 0) {
            throw new OperatorException("axis " + axis + " does not fit shapes " + java.util.Arrays.toString(a) + " and "
                            + java.util.Arrays.toString(b));
        }
        long[] out = java.util.Arrays.copyOf(b, b.length + trailing);
        java.util.Arrays.fill(out, b.length, out.length, 1);
        return out;
    }

    static Broadcast broadcast(long[]... shapes) {
        try {
            return Broadcast.of(shapes);
        } catch (IllegalArgumentException e) {
            throw new OperatorException(e.getMessage());
        }
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        Broadcast bc = ((BinaryPlan) plan).broadcast;
        Tensor a = inputs[0];
        Tensor b = inputs[1];
        Tensor out = plan.allocate(allocator);
        FloatBinary.Op op = floatOp();
        if (op != null && a.dtype() == DType.FLOAT && b.dtype() == DType.FLOAT && out.dtype() == DType.FLOAT) {
            FloatBinary.apply(op, bc, a.segment(), b.segment(), out.segment());
        } else {
            applyGeneric(bc, a, b, out);
        }
        return new Tensor[]{out};
    }

    /** The generic broadcasting loop; {@code out} may be {@code a} when a has the output shape. */
    final void applyGeneric(Broadcast bc, Tensor a, Tensor b, Tensor out) {
        DType ta = a.dtype();
        DType tb = b.dtype();
        DType to = out.dtype();
        MemorySegment sa = a.segment();
        MemorySegment sb = b.segment();
        MemorySegment so = out.segment();
        boolean inDouble = computesInDouble(ta, tb);
        boolean unsigned64 = ta == DType.UINT64;
        long n = bc.rowLength();
        long rows = bc.rowCount();
        int as = bc.innerStride(0);
        int bs = bc.innerStride(1);
        Broadcast.Cursor c = bc.cursor();
        long o = 0;
        for (long r = 0; r < rows; r++) {
            long ai = c.offset(0);
            long bi = c.offset(1);
            if (inDouble) {
                for (long i = 0; i < n; i++) {
                    to.setDouble(so, o + i, applyDouble(ta.getDouble(sa, ai + i * as), tb.getDouble(sb, bi + i * bs)));
                }
            } else {
                for (long i = 0; i < n; i++) {
                    to.setLong(so, o + i, applyLong(ta.getLong(sa, ai + i * as), tb.getLong(sb, bi + i * bs), unsigned64));
                }
            }
            o += n;
            c.next();
        }
    }

    /** Both inputs numeric and of the same type: the arithmetic operators' rule. */
    protected static boolean sameNumeric(DType a, DType b) {
        return a == b && a.isNumeric();
    }
}
