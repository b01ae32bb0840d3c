package dev.dnnrun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

/**
 * Embedding from JavaScript (GraalJS in the same context): a script loads nothing itself, gets the model and the
 * dnn bindings, passes a Float32Array, and reads the output tensor like an array.
 */
class JavaScriptEmbeddingTest {

    @Test
    void scriptRunsAModelWithATypedArray() {
        try (Context context = Context.newBuilder("dnn", "js").allowAllAccess(true).build()) {
            Value model = TestModels.load(context, TestModels.mlp(), "mlp");
            Value run = context.eval("js", """
                            (model, dnn) => {
                                const x = dnn.tensor('float32', [1, 4], new Float32Array([1, 2, 3, 4]));
                                const y = model(x).y;
                                const out = [y.dtype, Number(y.shape[0]), Number(y.shape[1])];
                                for (let i = 0; i < y.size; i++) out.push(y[i]);
                                y.close();
                                x.close();
                                return out;
                            }
                            """);
            Value out = run.execute(model, context.getBindings("dnn"));
            assertEquals("float32", out.getArrayElement(0).asString());
            assertEquals(1, out.getArrayElement(1).asInt());
            assertEquals(3, out.getArrayElement(2).asInt());
            float[] expected = TestModels.mlpReference(new float[]{1, 2, 3, 4});
            for (int j = 0; j < 3; j++) {
                assertEquals(expected[j], out.getArrayElement(3 + j).asFloat(), 1e-5f);
            }
        }
    }
}
