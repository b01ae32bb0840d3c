package dev.dnnrun.benchmarks;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * The benchmark input of a loaded model, in each runtime: arange(n)/n in the shape of the model's first input, as
 * that runtime reads it from the model (so models of any input size run, and both runtimes see the same tensor).
 * A symbolic or unknown dimension (a batch axis) is taken as 1.
 */
final class ModelInputs {
    private ModelInputs() {
    }

    static long[] shape(Value compiled) {
        Value dims = compiled.getMember("inputs").getArrayElement(0).getMember("shape");
        long[] shape = new long[(int) dims.getArraySize()];
        for (int i = 0; i < shape.length; i++) {
            Value d = dims.getArrayElement(i);
            shape[i] = d.isNumber() && d.asLong() > 0 ? d.asLong() : 1;
        }
        return shape;
    }

    static long[] shape(OrtSession session) throws OrtException {
        NodeInfo input = session.getInputInfo().values().iterator().next();
        long[] shape = ((TensorInfo) input.getInfo()).getShape().clone();
        for (int i = 0; i < shape.length; i++) {
            shape[i] = Math.max(1, shape[i]);
        }
        return shape;
    }

    /** A dnnrun tensor (owned by the context) holding the model's input. */
    static Value dnnrun(Context context, Value compiled) {
        long[] shape = shape(compiled);
        float[] x = ModelFiles.arangeInput(elements(shape));
        ByteBuffer bytes = ByteBuffer.allocate(x.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(x);
        return context.getBindings("dnn").getMember("tensor").execute("float32", shape, bytes);
    }

    /** An ONNX Runtime tensor holding the model's input; the caller closes it. */
    static OnnxTensor ort(OrtEnvironment env, OrtSession session) throws OrtException {
        long[] shape = shape(session);
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(ModelFiles.arangeInput(elements(shape))), shape);
    }

    static int elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }
}
