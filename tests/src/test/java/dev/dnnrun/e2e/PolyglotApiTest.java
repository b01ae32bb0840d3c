package dev.dnnrun.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.proxy.ProxyObject;
import org.junit.jupiter.api.Test;

/** Embedding from Java: the ways to pass inputs, and what the model and its outputs expose. */
class PolyglotApiTest {

    @Test
    void inputsAsNestedArraysByNameAndAsTensors() {
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value model = TestModels.load(context, TestModels.mlp(), "mlp");
            float[][] rows = {{1, 2, 3, 4}, {-1, 0.5f, 2, -3}};
            float[] e0 = TestModels.mlpReference(rows[0]);
            float[] e1 = TestModels.mlpReference(rows[1]);

            Value byPosition = model.execute((Object) rows);
            Value byName = model.execute(ProxyObject.fromMap(Map.of("x", rows)));
            for (Value result : new Value[]{byPosition, byName}) {
                Value y = result.getMember("y");
                assertEquals("float32", y.getMember("dtype").asString());
                assertEquals(2, y.getMember("shape").getArrayElement(0).asLong());
                assertEquals(3, y.getMember("shape").getArrayElement(1).asLong());
                for (int j = 0; j < 3; j++) {
                    assertEquals(e0[j], y.readBufferFloat(ByteOrder.LITTLE_ENDIAN, j * 4L), 1e-5f);
                    assertEquals(e1[j], y.getArrayElement(3 + j).asFloat(), 1e-5f);
                }
            }
        }
    }

    @Test
    void bufferInputAndMetadata() {
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value model = TestModels.load(context, TestModels.mlp(), "mlp");
            Value input = model.getMember("inputs").getArrayElement(0);
            assertEquals("x", input.getMember("name").asString());
            assertEquals("N", input.getMember("shape").getArrayElement(0).asString());
            assertEquals(4, input.getMember("shape").getArrayElement(1).asLong());

            ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(2).putFloat(3).putFloat(4).flip();
            Value x = context.getBindings("dnn").getMember("tensor").execute("float32", new long[]{1, 4}, data);
            float[] expected = TestModels.mlpReference(new float[]{1, 2, 3, 4});
            Value y = model.execute(x).getArrayElement(0);
            for (int j = 0; j < 3; j++) {
                assertEquals(expected[j], y.getArrayElement(j).asFloat(), 1e-5f);
            }
        }
    }

    @Test
    void wrongInputsAreNamedInTheError() {
        try (Context context = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value model = TestModels.load(context, TestModels.mlp(), "mlp");
            PolyglotException count = assertThrows(PolyglotException.class, () -> model.execute(new float[]{1}, new float[]{2}));
            assertTrue(count.getMessage().contains("takes 1 inputs [x], got 2"), count.getMessage());
            Value ints = context.getBindings("dnn").getMember("tensor").execute("int64", new long[]{1, 4});
            PolyglotException dtype = assertThrows(PolyglotException.class, () -> model.execute(ints));
            assertTrue(dtype.getMessage().contains("input 'x' must be float32, got int64"), dtype.getMessage());
        }
    }
}
