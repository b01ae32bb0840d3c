package dev.dnnrun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Value;
import org.junit.jupiter.api.Test;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;

/**
 * Identity and inference Dropout are removed at load (readers read their input), except where a name is needed:
 * a graph output, or a Dropout whose mask is read (an unread mask does not count).
 */
class IdentityEliminationTest {

    @Test
    void passThroughNodesAreRemovedUnlessTheirNamesAreNeeded() {
        byte[] model = new ModelBuilder("pass-through").opset(13)
                        .input("x", DType.FLOAT, 2, 3)
                        .node("Identity", "x", "a").done()
                        .node("Relu", "a", "r").done()
                        .node("Dropout", "r", "d,unread_mask").done()
                        .node("Identity", "d", "e").done()
                        .node("Neg", "e", "y").done()
                        .node("Identity", "r", "z").done()
                        .node("Dropout", "r", "unused,mask").done()
                        .output("y", DType.FLOAT, 2, 3)
                        .output("z", DType.FLOAT, 2, 3)
                        .output("mask", DType.BOOL, 2, 3)
                        .build();
        float[] x = {-1.5f, 0f, 2f, 3.25f, -0.5f, 1f};
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value m = TestModels.load(context, model, "pass-through");
            // Relu, Neg, the Identity naming output z, the Dropout producing the mask.
            assertEquals(4, m.getMember("stats").getMember("nodes").asLong());
            Value out = m.execute(context.getBindings("dnn").getMember("tensor").execute("float32", new long[]{2, 3}, x));
            for (int i = 0; i < x.length; i++) {
                float relu = Math.max(0, x[i]);
                assertEquals(-relu, out.getArrayElement(0).getArrayElement(i).asFloat(), 0f, "y[" + i + "]");
                assertEquals(relu, out.getArrayElement(1).getArrayElement(i).asFloat(), 0f, "z[" + i + "]");
                assertTrue(out.getArrayElement(2).getArrayElement(i).asBoolean(), "mask[" + i + "]");
            }
        }
    }
}
