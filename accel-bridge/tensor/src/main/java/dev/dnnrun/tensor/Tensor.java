package dev.dnnrun.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A dense, row-major tensor. Numeric and bool data live off-heap in an Arrow buffer that kernels read through
 * {@link #segment()}; string tensors keep a Java array. Several tensors may share one buffer (views made by
 * Reshape, Identity, ...): each holds one Arrow reference, and {@link #close()} gives it back, so the allocator's
 * accounting shows exactly which buffers are still owned.
 */
public final class Tensor implements AutoCloseable {
    private final DType dtype;
    private final long[] shape;
    private final long elementCount;
    private final ArrowBuf buffer;      // null for strings
    private final MemorySegment segment; // the buffer's bytes, or an empty segment for strings
    private final String[] strings;     // non-null only for DType.STRING
    private boolean closed;

    private Tensor(DType dtype, long[] shape, ArrowBuf buffer, String[] strings) {
        this(dtype, shape, elementCount(shape), buffer, strings, null);
    }

    /** {@code segment}, when given, spans exactly this tensor's bytes of {@code buffer}. */
    private Tensor(DType dtype, long[] shape, long elementCount, ArrowBuf buffer, String[] strings, MemorySegment segment) {
        this.dtype = dtype;
        this.shape = shape;
        this.elementCount = elementCount;
        this.buffer = buffer;
        this.strings = strings;
        if (buffer == null || elementCount == 0) {
            this.segment = MemorySegment.NULL;
        } else if (segment != null) {
            this.segment = segment;
        } else {
            this.segment = MemorySegment.ofAddress(buffer.memoryAddress()).reinterpret(elementCount * dtype.byteSize);
        }
    }

    /** A new tensor with uninitialised contents (every kernel writes all of its output). */
    public static Tensor allocate(BufferAllocator allocator, DType dtype, long... shape) {
        long count = elementCount(shape);
        if (dtype == DType.STRING) {
            String[] s = new String[Math.toIntExact(count)];
            Arrays.fill(s, "");
            return new Tensor(dtype, shape.clone(), null, s);
        }
        long bytes = count * dtype.byteSize;
        if (allocator instanceof RecyclingAllocator pool) {
            return fromSlot(pool.take(bytes), dtype, shape, count);
        }
        ArrowBuf buf = allocator.buffer(Math.max(1, bytes));
        return new Tensor(dtype, shape.clone(), count, buf, null, null);
    }

    /**
     * A tensor over a recycled buffer the caller now holds. The tensor object the buffer's previous holder closed
     * is reopened when it has the same type and shape, so that a steady-state call allocates no objects either;
     * that holder gave it up when it closed it.
     */
    private static Tensor fromSlot(RecyclingAllocator.Slot slot, DType dtype, long[] shape, long count) {
        Tensor previous = slot.lastTensor;
        if (previous != null && previous.closed && previous.dtype == dtype && Arrays.equals(previous.shape, shape)) {
            previous.closed = false;
            return previous;
        }
        Tensor t = new Tensor(dtype, shape.clone(), count, slot.buffer, null, slot.segment);
        slot.lastTensor = t;
        return t;
    }

    /** A new tensor whose bytes are all zero. */
    public static Tensor zeros(BufferAllocator allocator, DType dtype, long... shape) {
        Tensor t = allocate(allocator, dtype, shape);
        if (t.buffer != null) {
            t.buffer.setZero(0, t.buffer.capacity());
        }
        return t;
    }

    public static Tensor ofStrings(long[] shape, String[] values) {
        if (values.length != elementCount(shape)) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + elementCount(shape)
                            + " strings, got " + values.length);
        }
        return new Tensor(DType.STRING, shape.clone(), null, values.clone());
    }

    /** A tensor sharing this one's data under another shape with the same element count. */
    public Tensor view(long... newShape) {
        checkOpen();
        if (elementCount(newShape) != elementCount) {
            throw new IllegalArgumentException("cannot view " + shapeString() + " as " + Arrays.toString(newShape));
        }
        if (buffer != null) {
            buffer.getReferenceManager().retain();
        }
        return new Tensor(dtype, newShape.clone(), buffer, strings);
    }

    /** Another owner of the same data and shape; close it separately. */
    public Tensor share() {
        return view(shape);
    }

    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public DType dtype() {
        return dtype;
    }

    /** The shape; callers must not modify the returned array. */
    public long[] shape() {
        return shape;
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis];
    }

    public long elementCount() {
        return elementCount;
    }

    public long byteSize() {
        return dtype == DType.STRING ? 0 : elementCount * dtype.byteSize;
    }

    public MemorySegment segment() {
        checkOpen();
        return segment;
    }

    /** The Arrow buffer holding the data (null for strings): what accelerators receive. */
    public ArrowBuf arrowBuffer() {
        return buffer;
    }

    public String[] strings() {
        return strings;
    }

    public boolean isClosed() {
        return closed;
    }

    public double getDouble(long i) {
        return dtype.getDouble(segment, i);
    }

    public long getLong(long i) {
        return dtype.getLong(segment, i);
    }

    public float getFloat(long i) {
        return segment.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i * 4);
    }

    /** All elements as longs: for small index and shape tensors. */
    public long[] toLongArray() {
        long[] out = new long[Math.toIntExact(elementCount)];
        for (int i = 0; i < out.length; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    public double[] toDoubleArray() {
        double[] out = new double[Math.toIntExact(elementCount)];
        for (int i = 0; i < out.length; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(elementCount)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) getDouble(i);
        }
        return out;
    }

    /** Copies {@code count} elements; both tensors must have the same dtype. */
    public static void copy(Tensor src, long srcIndex, Tensor dst, long dstIndex, long count) {
        if (src.dtype == DType.STRING) {
            System.arraycopy(src.strings, (int) srcIndex, dst.strings, (int) dstIndex, (int) count);
        } else {
            int es = src.dtype.byteSize;
            MemorySegment.copy(src.segment, srcIndex * es, dst.segment, dstIndex * es, count * es);
        }
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (buffer != null) {
                buffer.close();
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("tensor " + dtype + shapeString() + " was already released");
        }
    }

    @Override
    public String toString() {
        return "Tensor(" + dtype + " " + shapeString() + ")";
    }
}
