package dev.dnnrun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/**
 * Embedding from Python (GraalPy in the same context): a function gets the model and the dnn bindings, passes the
 * input as an {@code array.array('f')} (a Python buffer) and as a plain list, and reads the output like a sequence.
 */
class PythonEmbeddingTest {

    @Test
    void pythonRunsAModelWithABufferAndWithAList() {
        try (Context context = Context.newBuilder("dnn", "python").allowAllAccess(true).option("engine.WarnInterpreterOnly", "false")
                        .build()) {
            Value model = TestModels.load(context, TestModels.mlp(), "mlp");
            context.eval("python", """
                            import array

                            def run(model, dnn, data):
                                x = dnn.tensor('float32', [1, 4], data)
                                y = model(x).y
                                out = [y.dtype, int(y.shape[0]), int(y.shape[1])] + [y[i] for i in range(len(y))]
                                y.close()
                                x.close()
                                return out

                            def run_both(model, dnn):
                                return [run(model, dnn, array.array('f', [1.0, 2.0, 3.0, 4.0])), run(model, dnn, [1.0, 2.0, 3.0, 4.0])]
                            """);
            Value both = context.getBindings("python").getMember("run_both").execute(model, context.getBindings("dnn"));
            float[] expected = TestModels.mlpReference(new float[]{1, 2, 3, 4});
            for (int k = 0; k < 2; k++) {
                Value out = both.getArrayElement(k);
                assertEquals("float32", out.getArrayElement(0).asString());
                assertEquals(1, out.getArrayElement(1).asInt());
                assertEquals(3, out.getArrayElement(2).asInt());
                for (int j = 0; j < 3; j++) {
                    assertEquals(expected[j], out.getArrayElement(3 + j).asFloat(), 1e-5f, (k == 0 ? "array.array" : "list") + " y[" + j + "]");
                }
            }
        }
    }
}
