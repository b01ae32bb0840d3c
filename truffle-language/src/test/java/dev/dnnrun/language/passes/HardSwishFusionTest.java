package dev.dnnrun.language.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;

/** The exporters' hard-swish chain becomes one HardSwish node, and computes what the chain computes. */
class HardSwishFusionTest {

    /** y = x * Clip(x + three, 0, 6) / 6 over x [2, 50]. */
    private static byte[] chain(float three, int opset) {
        ModelBuilder b = new ModelBuilder("g").opset(opset);
        b.input("x", DType.FLOAT, 2, 50).output("y");
        b.initializer("three", new long[0], three).initializer("zero", new long[0], 0f).initializer("six", new long[0], 6f);
        return b.node("Add", "x,three", "a").done().node("Clip", "a,zero,six", "c").done().node("Div", "c,six", "d").done()
                        .node("Mul", "x,d", "y").done().build();
    }

    /** Runs the model on x = -5..5 and checks y against the chain computed here; returns the AST's operator count. */
    private static long runAndCheck(byte[] model, float three) {
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value m = ctx.eval(Source.newBuilder("dnn", ByteSequence.create(model), "m.onnx").buildLiteral());
            double[] x = new double[100];
            for (int i = 0; i < x.length; i++) {
                x[i] = -5 + 10.0 * i / (x.length - 1);
            }
            Value in = ctx.getBindings("dnn").getMember("tensor").execute("float32", new long[] {2, 50}, x);
            Value y = m.execute(in).getArrayElement(0);
            for (int i = 0; i < x.length; i++) {
                float xi = (float) x[i];
                float expected = xi * Math.min(6f, Math.max(0f, xi + three)) / 6f;
                assertEquals(expected, y.getArrayElement(i).asFloat(), 1e-6f, "x=" + xi);
            }
            return m.getMember("stats").getMember("nodes").asLong();
        }
    }

    @Test
    void theChainBecomesOneNode() {
        assertEquals(1, runAndCheck(chain(3f, 17), 3f));
    }

    @Test
    void otherConstantsOrAnOldOpsetAreLeftAlone() {
        assertEquals(4, runAndCheck(chain(2.5f, 17), 2.5f));
        assertEquals(4, runAndCheck(chain(3f, 13), 3f)); // no HardSwish before opset 14
    }
}
