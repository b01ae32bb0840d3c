package dev.dnnrun.accel.support;

import java.lang.foreign.MemorySegment;

import org.apache.arrow.memory.ArrowBuf;

import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.UnsupportedSegmentException;

/**
 * A base for compiled segments that hand dnnrun's buffers to native code. It checks the segment
 * ({@link Shapes#checkConsistent}) and sizes its inputs and outputs once ({@link Shapes#byteSize}: static shapes, no
 * overflow), and {@link #execute} checks the buffers (count, present,
 * capacity) before the subclass sees them as {@link MemorySegment}s of exactly those sizes, so a wrong call is an
 * {@link IllegalArgumentException}, never a native read past a buffer. Executions are serialised; {@link #close} runs
 * {@link #release} once, and an execute after it throws {@link IllegalStateException}.
 */
public abstract class NativeSegment implements CompiledSegment {
    private final long[] inputBytes;
    private final long[] outputBytes;
    private boolean closed;

    protected NativeSegment(Segment segment) throws UnsupportedSegmentException {
        inputBytes = Shapes.byteSizes("input", segment.inputs(), segment.inputTypes());
        outputBytes = Shapes.byteSizes("output", segment.outputs(), segment.outputTypes());
        Shapes.checkConsistent(segment);
    }

    /** Runs the segment over the checked inputs and outputs; anything it throws reaches dnnrun (see CompiledSegment). */
    protected abstract void run(MemorySegment[] inputs, MemorySegment[] outputs) throws Throwable;

    /** Frees the native resources; called once, by the first {@link #close}. */
    protected abstract void release();

    /** The bytes of input {@code i}. */
    protected final long inputBytes(int i) {
        return inputBytes[i];
    }

    /** The bytes of output {@code i}. */
    protected final long outputBytes(int i) {
        return outputBytes[i];
    }

    @Override
    public final synchronized void execute(ArrowBuf[] inputs, ArrowBuf[] outputs) throws Exception {
        if (closed) {
            throw new IllegalStateException("segment closed");
        }
        MemorySegment[] in = bind(inputs, inputBytes, "input");
        MemorySegment[] out = bind(outputs, outputBytes, "output");
        try {
            run(in, out);
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("native call failed: " + t, t);
        }
    }

    @Override
    public final synchronized void close() {
        if (!closed) {
            closed = true; // even when release fails: a second try could free native memory twice
            release();
        }
    }

    /**
     * The memory of {@code buffers}, each seen as exactly {@code bytes[i]} bytes, after checking that there are as
     * many as {@code bytes} and each holds its size; {@code what} ("input", "output") names them in messages.
     */
    public static MemorySegment[] bind(ArrowBuf[] buffers, long[] bytes, String what) {
        if (buffers == null || buffers.length != bytes.length) {
            throw new IllegalArgumentException("expected " + bytes.length + " " + what + " buffers, got "
                            + (buffers == null ? "none" : buffers.length));
        }
        MemorySegment[] r = new MemorySegment[buffers.length];
        for (int i = 0; i < r.length; i++) {
            ArrowBuf b = buffers[i];
            if (b == null || b.capacity() < bytes[i]) {
                throw new IllegalArgumentException(what + " " + i + " has " + (b == null ? "no buffer" : b.capacity() + " bytes")
                                + ", needs " + bytes[i]);
            }
            r[i] = MemorySegment.ofAddress(b.memoryAddress()).reinterpret(bytes[i]);
        }
        return r;
    }
}
