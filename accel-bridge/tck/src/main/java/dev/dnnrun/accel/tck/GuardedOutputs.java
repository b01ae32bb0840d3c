package dev.dnnrun.accel.tck;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.List;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.accel.TensorType;
import dev.dnnrun.tensor.Tensor;

/**
 * Output buffers for a segment, each a slice of a larger buffer pre-filled with a sentinel byte: what the backend
 * writes must land in the slice, and the guard bytes after it must stay untouched. The sentinel also shows outputs
 * the backend did not write at all.
 */
final class GuardedOutputs implements AutoCloseable {
    static final byte SENTINEL = (byte) 0xA5;
    static final int GUARD = 64;

    private final ArrowBuf[] parents;
    private final long[] bytes;

    GuardedOutputs(BufferAllocator allocator, List<TensorType> types) {
        parents = new ArrowBuf[types.size()];
        bytes = new long[types.size()];
        for (int i = 0; i < parents.length; i++) {
            TensorType t = types.get(i);
            bytes[i] = Tensor.elementCount(t.shape()) * t.dtype().byteSize;
            parents[i] = allocator.buffer(bytes[i] + GUARD);
        }
        reset();
    }

    /** Every byte, the outputs' and the guards', back to the sentinel. */
    void reset() {
        for (ArrowBuf p : parents) {
            MemorySegment.ofAddress(p.memoryAddress()).reinterpret(p.capacity()).fill(SENTINEL);
        }
    }

    /** The buffers to pass to execute: exactly the outputs' sizes. */
    ArrowBuf[] buffers() {
        ArrowBuf[] r = new ArrowBuf[parents.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = parents[i].slice(0, bytes[i]);
        }
        return r;
    }

    /** Output {@code i} cut {@code missing} bytes short, over the same memory (the rest stays guarded). */
    ArrowBuf shortened(int i, long missing) {
        return parents[i].slice(0, bytes[i] - missing);
    }

    long bytes(int i) {
        return bytes[i];
    }

    float[] floats(int i) {
        float[] r = new float[(int) (bytes[i] / 4)];
        for (int k = 0; k < r.length; k++) {
            r[k] = parents[i].getFloat(4L * k);
        }
        return r;
    }

    /** Fails when a byte of output {@code i} from {@code from} on (its guard included) is no longer the sentinel. */
    void assertUntouchedFrom(int i, long from, String what) {
        for (long k = from; k < parents[i].capacity(); k++) {
            if (parents[i].getByte(k) != SENTINEL) {
                fail(what + ": byte " + k + " of output " + i + " (" + bytes[i] + " bytes and a guard) was written");
            }
        }
    }

    /** Fails when anything was written past the end of any output. */
    void assertGuardsIntact(String what) {
        for (int i = 0; i < parents.length; i++) {
            assertUntouchedFrom(i, bytes[i], what + " wrote past the end of output " + i);
        }
    }

    int count() {
        return parents.length;
    }

    @Override
    public void close() {
        for (ArrowBuf p : parents) {
            p.close();
        }
    }
}
