package dev.dnnrun.accel.backends.onnxruntime;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;

import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.support.NativeSegment;

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
final class OrtSegment extends NativeSegment {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final Slot[] inputs;
    private final Slot[] outputs;

    /** A segment input or output: its ORT name and type, and the wrapper made for the last buffer seen. */
    private static final class Slot {
        final String name;
        final long[] shape;
        final OnnxJavaType type;
        long address = -1;
        OnnxTensor tensor;

        Slot(String name, TensorType t) {
            this.name = name;
            this.shape = t.shape().clone();
            this.type = OnnxRuntimeAccelerator.JAVA_TYPES.get(t.dtype());
        }

        /** A tensor over {@code buf} (sized by NativeSegment, under 2 GiB by OnnxRuntimeAccelerator's check). */
        OnnxTensor wrap(OrtEnvironment env, MemorySegment buf) throws OrtException {
            if (tensor == null || buf.address() != address) {
                close();
                tensor = OnnxTensor.createTensor(env, buf.asByteBuffer(), shape, type);
                address = buf.address();
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

    OrtSegment(OrtEnvironment env, OrtSession session, Segment segment) throws UnsupportedSegmentException {
        super(segment);
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

    // NativeSegment serialises runs: the wrapper cache is per segment, and ORT would race on shared outputs anyway.
    @Override
    protected void run(MemorySegment[] in, MemorySegment[] out) throws OrtException {
        Map<String, OnnxTensor> feeds = new HashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            feeds.put(inputs[i].name, inputs[i].wrap(env, in[i]));
        }
        Map<String, OnnxTensor> pinned = new HashMap<>();
        for (int i = 0; i < outputs.length; i++) {
            pinned.put(outputs[i].name, outputs[i].wrap(env, out[i]));
        }
        // The result does not own pinned outputs: closing it leaves our wrappers (and dnnrun's buffers) alone.
        session.run(feeds, pinned).close();
    }

    @Override
    protected void release() {
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
