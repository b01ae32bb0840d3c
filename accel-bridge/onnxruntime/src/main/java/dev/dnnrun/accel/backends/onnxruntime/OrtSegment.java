package dev.dnnrun.accel.backends.onnxruntime;

import java.util.HashMap;
import java.util.Map;

import org.apache.arrow.memory.ArrowBuf;

import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.tensor.Tensor;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * One ORT session for one segment. Inputs are ORT tensors over the Arrow buffers' memory (a direct ByteBuffer is
 * wrapped, not copied) and outputs are passed as pinned outputs, so ORT writes the results straight into dnnrun's
 * buffers. The wrappers are kept while dnnrun hands over the same addresses, which is the common case once its
 * memory plan has settled.
 */
final class OrtSegment implements CompiledSegment {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final Slot[] inputs;
    private final Slot[] outputs;
    private long calls;
    private long nanos;
    private boolean closed;

    /** A segment input or output: its ORT name and type, and the wrapper made for the last buffer seen. */
    private static final class Slot {
        final String name;
        final long[] shape;
        final OnnxJavaType type;
        final int bytes;
        long address = -1;
        OnnxTensor tensor;

        Slot(String name, TensorType t) {
            this.name = name;
            this.shape = t.shape().clone();
            this.type = OnnxRuntimeAccelerator.JAVA_TYPES.get(t.dtype());
            this.bytes = Math.toIntExact(Tensor.elementCount(shape) * t.dtype().byteSize);
        }

        OnnxTensor wrap(OrtEnvironment env, ArrowBuf buf) throws OrtException {
            if (buf == null || buf.capacity() < bytes) {
                throw new IllegalArgumentException("buffer for '" + name + "' holds "
                                + (buf == null ? "nothing" : buf.capacity() + " bytes") + ", needs " + bytes);
            }
            if (tensor == null || buf.memoryAddress() != address) {
                close();
                tensor = OnnxTensor.createTensor(env, buf.nioBuffer(0, bytes), shape, type);
                address = buf.memoryAddress();
            }
            return tensor;
        }

        void close() {
            if (tensor != null) {
                tensor.close();
                tensor = null;
                address = -1;
            }
        }
    }

    OrtSegment(OrtEnvironment env, OrtSession session, Segment segment) {
        this.env = env;
        this.session = session;
        this.inputs = new Slot[segment.inputs().size()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = new Slot(segment.inputs().get(i), segment.inputTypes().get(i));
        }
        this.outputs = new Slot[segment.outputs().size()];
        for (int i = 0; i < outputs.length; i++) {
            outputs[i] = new Slot(segment.outputs().get(i), segment.outputTypes().get(i));
        }
    }

    // Synchronized: the wrapper cache is per segment, and ORT would race on shared output buffers anyway.
    @Override
    public synchronized void execute(ArrowBuf[] in, ArrowBuf[] out) throws OrtException {
        if (closed) { // a wrapper made now would never be closed
            throw new IllegalStateException("segment closed");
        }
        if (in.length != inputs.length || out.length != outputs.length) {
            throw new IllegalArgumentException("segment takes " + inputs.length + " inputs and " + outputs.length
                            + " outputs, got " + in.length + " and " + out.length);
        }
        long start = System.nanoTime();
        Map<String, OnnxTensor> feeds = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            feeds.put(inputs[i].name, inputs[i].wrap(env, in[i]));
        }
        Map<String, OnnxTensor> pinned = new HashMap<>();
        for (int i = 0; i < outputs.length; i++) {
            pinned.put(outputs[i].name, outputs[i].wrap(env, out[i]));
        }
        // The result does not own pinned outputs: closing it leaves our wrappers (and dnnrun's buffers) alone.
        try (OrtSession.Result result = session.run(feeds, pinned)) {
            calls++;
            nanos += System.nanoTime() - start;
        }
    }

    @Override
    public synchronized Profile profile() {
        return new Profile(calls, nanos);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return; // ORT refuses to close a session twice
        }
        closed = true;
        for (Slot s : inputs) {
            s.close();
        }
        for (Slot s : outputs) {
            s.close();
        }
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing ONNX Runtime session: " + e.getMessage(), e);
        }
    }
}
