package dev.dnnrun.e2e;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;

/** Small models built in Java, shared by the end-to-end tests. */
final class TestModels {
    private TestModels() {
    }

    /** y = relu(x @ w + b) with x: [N, 4], w: [4, 3] an initializer, b: [3] a Constant node. */
    static byte[] mlp() {
        float[] w = new float[12];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 5 - 2) * 0.5f;
        }
        return new ModelBuilder("mlp").opset(17)
                        .input("x", DType.FLOAT, "N", 4)
                        .initializer("w", new long[]{4, 3}, w)
                        .node("Constant", "", "b").attr("value", ModelBuilder.tensor("b", new long[]{3}, 0.25f, -0.5f, 1f)).done()
                        .node("MatMul", "x,w", "xw").done()
                        .node("Add", "xw,b", "pre").done()
                        .node("Relu", "pre", "y").done()
                        .output("y", DType.FLOAT, "N", 3)
                        .build();
    }

    /** The reference result of {@link #mlp()} for one row of x. */
    static float[] mlpReference(float[] x) {
        float[] b = {0.25f, -0.5f, 1f};
        float[] y = new float[3];
        for (int j = 0; j < 3; j++) {
            float s = b[j];
            for (int k = 0; k < 4; k++) {
                s += x[k] * ((k * 3 + j) % 5 - 2) * 0.5f;
            }
            y[j] = Math.max(0, s);
        }
        return y;
    }

    static Value load(Context context, byte[] model, String name) {
        return context.eval(Source.newBuilder("dnn", ByteSequence.create(model), name).buildLiteral());
    }
}
