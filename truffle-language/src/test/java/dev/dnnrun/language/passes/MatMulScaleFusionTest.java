package dev.dnnrun.language.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;

/** MatMul → Mul by a scalar constant becomes one FusedMatMul, and computes what the two computed. */
class MatMulScaleFusionTest {
    private static final int HEADS = 2;
    private static final int T = 5;
    private static final int D = 3;

    /** y = (q [2, 5, 3] x k [2, 3, 5]) * scale, the scale of shape {@code scaleShape}. */
    private static byte[] scaledScores(float scale, long[] scaleShape, boolean productAlsoOutput) {
        ModelBuilder b = new ModelBuilder("g").opset(17);
        b.input("q", DType.FLOAT, HEADS, T, D).input("k", DType.FLOAT, HEADS, D, T).output("y");
        if (productAlsoOutput) {
            b.output("s");
        }
        b.initializer("scale", scaleShape, scale);
        return b.node("MatMul", "q,k", "s").done().node("Mul", "s,scale", "y").done().build();
    }

    /** Runs the model and checks y against the product computed here; returns the AST's operator count. */
    private static long runAndCheck(byte[] model, float scale) {
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value m = ctx.eval(Source.newBuilder("dnn", ByteSequence.create(model), "m.onnx").buildLiteral());
            double[] q = new double[HEADS * T * D], k = new double[HEADS * D * T];
            for (int i = 0; i < q.length; i++) {
                q[i] = Math.sin(i) * 2;
                k[i] = Math.cos(3 * i);
            }
            Value tensor = ctx.getBindings("dnn").getMember("tensor");
            Value y = m.execute(tensor.execute("float32", new long[] {HEADS, T, D}, q), tensor.execute("float32", new long[] {HEADS, D, T}, k))
                            .getArrayElement(0);
            assertEquals(HEADS * T * T, y.getArraySize());
            for (int h = 0; h < HEADS; h++) {
                for (int i = 0; i < T; i++) {
                    for (int j = 0; j < T; j++) {
                        double s = 0;
                        for (int p = 0; p < D; p++) {
                            s += (float) q[(h * T + i) * D + p] * (float) k[(h * D + p) * T + j];
                        }
                        assertEquals(s * scale, y.getArrayElement((h * T + i) * T + j).asFloat(), 1e-5, "head " + h + " at " + i + "," + j);
                    }
                }
            }
            return m.getMember("stats").getMember("nodes").asLong();
        }
    }

    @Test
    void aScaledProductBecomesOneNode() {
        assertEquals(1, runAndCheck(scaledScores(0.17677669f, new long[0], false), 0.17677669f));
        assertEquals(1, runAndCheck(scaledScores(0.25f, new long[] {1}, false), 0.25f));
    }

    @Test
    void aProductReadElsewhereOrAScalarThatRaisesTheRankIsLeftAlone() {
        assertEquals(2, runAndCheck(scaledScores(0.5f, new long[0], true), 0.5f));
        // [1, 1, 1, 1] times a rank-3 product is rank 4: not a scale of the product.
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value m = ctx.eval(Source.newBuilder("dnn", ByteSequence.create(scaledScores(0.5f, new long[] {1, 1, 1, 1}, false)), "m.onnx")
                            .buildLiteral());
            assertEquals(2, m.getMember("stats").getMember("nodes").asLong());
        }
    }
}
