package dev.dnnrun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;

/**
 * A convolution whose weights and bias are computed on every call (W = w + dw, B = b + db, from the model's inputs)
 * must use each call's values. The working memory of one call is recycled for the next, so the computed tensors can
 * come back as the same objects with new contents: weights prepared once must be keyed on being model constants, not
 * on the tensor objects.
 */
class ComputedWeightsTest {
    private static final int C = 3;
    private static final int M = 5;
    private static final int P = 4;

    @Test
    void weightsComputedPerCallAreNotReusedFromTheLastCall() {
        float[] w = new float[M * C];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 7 - 3) * 0.25f;
        }
        byte[] model = new ModelBuilder("computed-weights").opset(17)
                        .input("x", DType.FLOAT, 1, C, 2, 2)
                        .input("dw", DType.FLOAT, M, C, 1, 1)
                        .input("db", DType.FLOAT, M)
                        .initializer("w", new long[]{M, C, 1, 1}, w)
                        .initializer("b", new long[]{M}, 0.5f, -0.5f, 1f, 0f, 2f)
                        .node("Add", "w,dw", "W").done()
                        .node("Add", "b,db", "B").done()
                        .node("Conv", "x,W,B", "y").done()
                        .output("y", DType.FLOAT, 1, M, 2, 2)
                        .build();
        float[] x = new float[C * P];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * 0.5f - 2f;
        }
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value net = TestModels.load(context, model, "computed-weights");
            Value tensor = context.getBindings("dnn").getMember("tensor");
            Value input = tensor.execute("float32", new long[]{1, C, 2, 2}, x);
            for (int call = 0; call < 4; call++) {
                float[] dw = new float[M * C];
                float[] db = new float[M];
                for (int i = 0; i < dw.length; i++) {
                    dw[i] = call * (i + 1) * 0.125f;
                }
                for (int i = 0; i < M; i++) {
                    db[i] = call - i;
                }
                Value y = net.execute(input, tensor.execute("float32", new long[]{M, C, 1, 1}, dw),
                                tensor.execute("float32", new long[]{M}, db)).getArrayElement(0);
                float[] bias = {0.5f, -0.5f, 1f, 0f, 2f};
                for (int m = 0; m < M; m++) {
                    for (int p = 0; p < P; p++) {
                        float expected = bias[m] + db[m];
                        for (int c = 0; c < C; c++) {
                            expected += (w[m * C + c] + dw[m * C + c]) * x[c * P + p];
                        }
                        assertEquals(expected, y.getArrayElement(m * P + p).asFloat(), 1e-4f, "call " + call + ", y[" + m + "][" + p + "]");
                    }
                }
                y.invokeMember("close");
            }
        }
    }
}
