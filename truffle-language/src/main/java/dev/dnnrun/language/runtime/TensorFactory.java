package dev.dnnrun.language.runtime;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import org.apache.arrow.memory.BufferAllocator;

import com.oracle.truffle.api.interop.InteropException;
import com.oracle.truffle.api.interop.InteropLibrary;

import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** Builds tensors from interop values: (nested) arrays of numbers, booleans or strings, scalars, and buffers. */
public final class TensorFactory {
    private static final InteropLibrary INTEROP = InteropLibrary.getUncached();

    private TensorFactory() {
    }

    /** A tensor from a scalar or a (nested, rectangular) array; the shape follows the nesting. */
    public static Tensor fromValue(BufferAllocator allocator, DType dtype, Object value) throws InteropException {
        List<Long> dims = new ArrayList<>();
        Object probe = value;
        while (INTEROP.hasArrayElements(probe) && !INTEROP.isString(probe)) {
            long n = INTEROP.getArraySize(probe);
            dims.add(n);
            if (n == 0) {
                break;
            }
            probe = INTEROP.readArrayElement(probe, 0);
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        return fromFlat(allocator, dtype, shape, value, shape.length);
    }

    /** A tensor of the given shape from a value whose leaves, read in row-major order, are its elements. */
    public static Tensor fromFlat(BufferAllocator allocator, DType dtype, long[] shape, Object value, int nesting)
                    throws InteropException {
        Tensor t = Tensor.allocate(allocator, dtype, shape);
        try {
            long[] next = {0};
            fill(t, value, nesting, next);
            if (next[0] != t.elementCount()) {
                throw new IllegalArgumentException("expected " + t.elementCount() + " elements for shape " + t.shapeString()
                                + ", got " + next[0]);
            }
            return t;
        } catch (InteropException | RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private static void fill(Tensor t, Object v, int depth, long[] next) throws InteropException {
        if (depth > 0) {
            if (!INTEROP.hasArrayElements(v)) {
                throw new IllegalArgumentException("ragged nested array: expected an array at depth " + depth);
            }
            long n = INTEROP.getArraySize(v);
            for (long i = 0; i < n; i++) {
                fill(t, INTEROP.readArrayElement(v, i), depth - 1, next);
            }
            return;
        }
        if (INTEROP.hasArrayElements(v) && !INTEROP.isString(v)) {
            // a flat array for a multi-dimensional shape
            long n = INTEROP.getArraySize(v);
            for (long i = 0; i < n; i++) {
                fill(t, INTEROP.readArrayElement(v, i), 0, next);
            }
            return;
        }
        long i = next[0]++;
        if (i >= t.elementCount()) {
            throw new IllegalArgumentException("more elements than shape " + t.shapeString() + " holds");
        }
        DType d = t.dtype();
        if (d == DType.STRING) {
            t.strings()[(int) i] = INTEROP.asString(v);
        } else if (INTEROP.isBoolean(v)) {
            d.setLong(t.segment(), i, INTEROP.asBoolean(v) ? 1 : 0);
        } else if (d.isFloating() || !INTEROP.fitsInLong(v)) {
            d.setDouble(t.segment(), i, INTEROP.asDouble(v));
        } else {
            d.setLong(t.segment(), i, INTEROP.asLong(v));
        }
    }

    /**
     * Whether {@code v} is raw bytes: a buffer with no array view (a Java ByteBuffer), or whose array elements are its
     * bytes (Python bytes, bytearray, array.array). A buffer with typed elements (a JS Float32Array, a Python
     * memoryview) is read element by element instead, so its values convert to the tensor's dtype.
     */
    public static boolean isRawBuffer(Object v) throws InteropException {
        if (!INTEROP.hasBufferElements(v)) {
            return false;
        }
        return !INTEROP.hasArrayElements(v) || INTEROP.getArraySize(v) == INTEROP.getBufferSize(v);
    }

    /** A tensor whose bytes are copied from an interop buffer (a ByteBuffer, a JS ArrayBuffer, a Python bytes...). */
    public static Tensor fromBuffer(BufferAllocator allocator, DType dtype, long[] shape, Object buffer) throws InteropException {
        Tensor t = Tensor.allocate(allocator, dtype, shape);
        long size = INTEROP.getBufferSize(buffer);
        if (size != t.byteSize()) {
            t.close();
            throw new IllegalArgumentException("buffer holds " + size + " bytes, " + dtype + t.shapeString() + " needs "
                            + t.byteSize());
        }
        byte[] chunk = new byte[(int) Math.min(size, 1 << 20)];
        for (long off = 0; off < size; off += chunk.length) {
            int len = (int) Math.min(chunk.length, size - off);
            INTEROP.readBuffer(buffer, off, chunk, 0, len);
            MemorySegment.copy(MemorySegment.ofArray(chunk), 0, t.segment(), off, len);
        }
        return t;
    }
}
