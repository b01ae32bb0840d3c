package dev.dnnrun.accel.support;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;

/**
 * Shape arithmetic a backend needs before it calls native code: element counts and byte sizes of static shapes,
 * computed with overflow checks so that a hostile shape becomes an {@link UnsupportedSegmentException} instead of a
 * wrapped size handed to a native library, and the numpy broadcasting and axis rules of ONNX.
 */
public final class Shapes {
    /** No buffer is larger than this (256 TiB, beyond any address space in use); larger sizes are rejected. */
    public static final long MAX_BYTES = 1L << 48;

    private Shapes() {
    }

    /** The element count of static {@code shape}; {@code what} names the value in the exception's message. */
    public static long elementCount(String what, long[] shape) throws UnsupportedSegmentException {
        if (shape == null) {
            throw new UnsupportedSegmentException(what + " has an unknown shape");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new UnsupportedSegmentException(what + " has shape " + Arrays.toString(shape) + ": sizes must be known");
            }
            n = multiply(what, shape, n, d);
        }
        return n;
    }

    /** The bytes a dense {@code type} takes, at most {@link #MAX_BYTES}. */
    public static long byteSize(String what, TensorType type) throws UnsupportedSegmentException {
        if (type == null || type.dtype() == null) {
            throw new UnsupportedSegmentException(what + " has an unknown type");
        }
        if (type.dtype().byteSize == 0) {
            throw new UnsupportedSegmentException(what + " is " + type.dtype().displayName + ", which has no fixed size");
        }
        long bytes = multiply(what, type.shape(), elementCount(what, type.shape()), type.dtype().byteSize);
        if (bytes > MAX_BYTES) {
            throw new UnsupportedSegmentException(what + " of type " + type + " takes " + bytes + " bytes, more than any buffer");
        }
        return bytes;
    }

    /** {@link #byteSize} of each of {@code types}, the value named {@code what + " '" + names[i] + "'"} in messages. */
    public static long[] byteSizes(String what, List<String> names, List<TensorType> types) throws UnsupportedSegmentException {
        if (names.size() != types.size()) {
            throw new UnsupportedSegmentException(names.size() + " " + what + "s but " + types.size() + " types");
        }
        long[] r = new long[types.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = byteSize(what + " '" + names.get(i) + "'", types.get(i));
        }
        return r;
    }

    /**
     * Checks that every operator sees each value with the segment's own type (buffers are sized from the segment's
     * types, so an operator that disagrees would read or write past them) and that every value has a static shape
     * whose size is addressable, so a hostile segment is declined before any native call.
     */
    public static void checkConsistent(Segment segment) throws UnsupportedSegmentException {
        for (OpView op : segment.ops()) {
            checkAgrees(op, op.inputs(), op.inputTypes(), segment);
            checkAgrees(op, op.outputs(), op.outputTypes(), segment);
        }
        for (Map.Entry<String, TensorType> v : segment.valueTypes().entrySet()) {
            String what = "value '" + v.getKey() + "'";
            TensorType t = v.getValue();
            if (t != null && t.dtype() != null && t.dtype().byteSize > 0) {
                byteSize(what, t);
            } else {
                elementCount(what, t == null ? null : t.shape());
            }
        }
    }

    private static void checkAgrees(OpView op, List<String> names, List<TensorType> types, Segment segment)
                    throws UnsupportedSegmentException {
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            TensorType seen = i < types.size() ? types.get(i) : null;
            if (!name.isEmpty() && !Objects.equals(seen, segment.typeOf(name))) {
                throw new UnsupportedSegmentException(op.describe() + " sees '" + name + "' as " + seen + ", the segment as "
                                + segment.typeOf(name));
            }
        }
    }

    private static long multiply(String what, long[] shape, long a, long b) throws UnsupportedSegmentException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new UnsupportedSegmentException(what + " of shape " + Arrays.toString(shape) + " is too large to address");
        }
    }

    /** Whether {@code from} broadcasts (numpy rules, aligned from the right) to exactly {@code to}. */
    public static boolean broadcastsTo(long[] from, long[] to) {
        if (from.length > to.length) {
            return false;
        }
        for (int i = 1; i <= from.length; i++) {
            long f = from[from.length - i];
            if (f != 1 && f != to[to.length - i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code shape} with leading 1s up to {@code rank} (numpy's alignment for broadcasting); a copy. */
    public static long[] padLeft(long[] shape, int rank) {
        long[] r = new long[Math.max(rank, shape.length)];
        Arrays.fill(r, 1);
        System.arraycopy(shape, 0, r, r.length - shape.length, shape.length);
        return r;
    }

    /** ONNX {@code axis} (negative counts from the end) for a tensor of {@code rank}, as an index in [0, rank). */
    public static int axis(String what, long axis, int rank) throws UnsupportedSegmentException {
        if (axis < -rank || axis >= rank) {
            throw new UnsupportedSegmentException(what + " axis " + axis + " for rank " + rank);
        }
        return (int) (axis < 0 ? axis + rank : axis);
    }
}
