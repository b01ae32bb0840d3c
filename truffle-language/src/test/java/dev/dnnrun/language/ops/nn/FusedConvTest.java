package dev.dnnrun.language.ops.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;

/** dev.dnnrun FusedConv with activation Relu gives the same result as Conv followed by Relu. */
class FusedConvTest {
    private static final Random RANDOM = new Random(7);

    private static float[] random(long[] shape) {
        float[] v = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.round(RANDOM.nextGaussian() * 64) / 64f;
        }
        return v;
    }

    /**
     * X is a graph input; W and B are initializers (the constant path, where packed weights are reused) unless
     * {@code weightsAsInputs}. fused: one FusedConv node, else Conv then Relu.
     */
    private static byte[] model(boolean fused, DType t, long[] x, long[] w, float[] wv, float[] bv,
                    boolean weightsAsInputs, UnaryOperator<ModelBuilder.NodeBuilder> attrs, String activation) {
        ModelBuilder b = new ModelBuilder("g").opset(22).opset("dev.dnnrun", 1);
        b.input("x", t, Arrays.stream(x).boxed().toArray());
        if (weightsAsInputs) {
            b.input("w", t, Arrays.stream(w).boxed().toArray());
            b.input("b", t, w[0]);
        } else {
            b.initializer("w", w, wv).initializer("b", new long[]{w[0]}, bv);
        }
        if (fused) {
            b = attrs.apply(b.node("FusedConv", "x,w,b", "y").domain("dev.dnnrun").attr("activation", activation)).done();
        } else {
            b = attrs.apply(b.node("Conv", "x,w,b", "c")).done().node("Relu", "c", "y").done();
        }
        return b.output("y").build();
    }

    private static float[] run(Context ctx, byte[] model, DType t, long[][] shapes, float[]... data) {
        Value m = ctx.eval(Source.newBuilder("dnn", ByteSequence.create(model), "m.onnx").buildLiteral());
        Object[] args = new Object[data.length];
        for (int i = 0; i < data.length; i++) {
            double[] d = new double[data[i].length];
            for (int j = 0; j < d.length; j++) {
                d[j] = data[i][j];
            }
            args[i] = ctx.getBindings("dnn").getMember("tensor").execute(t.displayName, shapes[i], d);
        }
        Value y = m.execute(args).getArrayElement(0);
        float[] out = new float[(int) y.getArraySize()];
        for (int i = 0; i < out.length; i++) {
            out[i] = y.getArrayElement(i).asFloat();
        }
        return out;
    }

    private static void check(long[] x, long[] w, UnaryOperator<ModelBuilder.NodeBuilder> attrs) {
        float[] wv = random(w);
        float[] bv = random(new long[]{w[0]});
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            // float32 with constant weights, two calls (the second one reuses the packed weights)
            byte[] fused = model(true, DType.FLOAT, x, w, wv, bv, false, attrs, "Relu");
            byte[] plain = model(false, DType.FLOAT, x, w, wv, bv, false, attrs, null);
            for (int call = 0; call < 2; call++) {
                float[] xv = random(x);
                float[] expected = run(ctx, plain, DType.FLOAT, new long[][]{x}, xv);
                float[] actual = run(ctx, fused, DType.FLOAT, new long[][]{x}, xv);
                assertArrayEquals(expected, actual, 1e-4f);
                assertTrue(min(actual) >= 0f && max(expected) > 0f && min(xv) < 0f, "relu must have clipped something");
            }
            // float64 with weights as graph inputs
            long[][] shapes = {x, w, {w[0]}};
            float[] xv = random(x);
            float[] expected = run(ctx, model(false, DType.DOUBLE, x, w, wv, bv, true, attrs, null), DType.DOUBLE, shapes,
                            xv, wv, bv);
            float[] actual = run(ctx, model(true, DType.DOUBLE, x, w, wv, bv, true, attrs, "Relu"), DType.DOUBLE, shapes,
                            xv, wv, bv);
            assertArrayEquals(expected, actual, 1e-5f);
        }
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float f : v) {
            m = Math.min(m, f);
        }
        return m;
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float f : v) {
            m = Math.max(m, f);
        }
        return m;
    }

    @Test
    void padded3x3() {
        check(new long[]{1, 4, 9, 10}, new long[]{5, 4, 3, 3}, n -> n.ints("pads", 1, 1, 1, 1));
    }

    @Test
    void stridedWithLongReduction() {
        // K = 32 * 9 = 288 spans two K blocks of the GEMM: Relu must apply to the final sum only.
        check(new long[]{2, 32, 11, 9}, new long[]{17, 32, 3, 3}, n -> n.ints("pads", 1, 0, 1, 2).ints("strides", 2, 1));
    }

    @Test
    void pointwiseGroupedAndDepthwise() {
        check(new long[]{1, 8, 6, 7}, new long[]{40, 8, 1, 1}, n -> n);
        check(new long[]{1, 6, 7, 5}, new long[]{9, 2, 3, 2}, n -> n.attr("group", 3L).ints("dilations", 2, 1));
        check(new long[]{1, 4, 8, 8}, new long[]{8, 1, 3, 3}, n -> n.attr("group", 4L).ints("pads", 1, 1, 1, 1));
    }

    @Test
    void rejectsOtherActivations() {
        long[] x = {1, 2, 4, 4};
        long[] w = {3, 2, 3, 3};
        byte[] m = model(true, DType.FLOAT, x, w, random(w), random(new long[]{3}), false, n -> n, "Sigmoid");
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            PolyglotException e = assertThrows(PolyglotException.class, () -> run(ctx, m, DType.FLOAT,
                            new long[][]{x}, random(x)));
            assertTrue(e.getMessage().contains("activation must be Relu"), e.getMessage());
        }
    }

    /**
     * Conv + Add(residual) + Relu, written by hand as FusedConv with a summand and, as the graph optimiser meets it, as
     * Conv, Add and Relu. The reference adds a per-channel Z [1, M, 1, 1], which the optimiser does not fuse (other
     * shape); the fused models get Z broadcast to the output's shape, so all three must agree.
     */
    @Test
    void residualSummandMatchesConvAddRelu() {
        long[] x = {1, 4, 9, 8};
        long[] w = {6, 4, 3, 3};
        long[] y = {1, 6, 9, 8};
        float[] wv = random(w);
        float[] bv = random(new long[]{6});
        float[] perChannel = random(new long[]{6});
        float[] full = new float[6 * 9 * 8];
        for (int i = 0; i < full.length; i++) {
            full[i] = perChannel[i / (9 * 8)];
        }
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            for (int depthwise = 0; depthwise < 2; depthwise++) {
                long[] wd = depthwise == 0 ? w : new long[]{4, 1, 3, 3};
                long[] yd = depthwise == 0 ? y : new long[]{1, 4, 9, 8};
                float[] wvd = depthwise == 0 ? wv : random(wd);
                float[] bvd = depthwise == 0 ? bv : random(new long[]{4});
                float[] zc = java.util.Arrays.copyOf(perChannel, (int) yd[1]);
                float[] zf = new float[(int) (yd[1] * 9 * 8)];
                for (int i = 0; i < zf.length; i++) {
                    zf[i] = zc[i / (9 * 8)];
                }
                long group = depthwise == 0 ? 1 : 4;
                float[] xv = random(x);
                byte[] reference = residualModel(false, wd, wvd, bvd, new long[]{1, yd[1], 1, 1}, group);
                byte[] optimised = residualModel(false, wd, wvd, bvd, yd, group);
                byte[] handWritten = residualModel(true, wd, wvd, bvd, yd, group);
                float[] expected = run(ctx, reference, DType.FLOAT, new long[][]{x, {1, yd[1], 1, 1}}, xv, zc);
                assertArrayEquals(expected, run(ctx, optimised, DType.FLOAT, new long[][]{x, yd}, xv, zf), 1e-4f);
                assertArrayEquals(expected, run(ctx, handWritten, DType.FLOAT, new long[][]{x, yd}, xv, zf), 1e-4f);
                assertTrue(min(expected) == 0f && max(expected) > 0f, "relu must have clipped something");
            }
            // A summand of another shape is refused by the node itself, naming the shapes.
            byte[] wrong = residualModel(true, w, wv, bv, new long[]{1, 6, 1, 1}, 1);
            PolyglotException e = assertThrows(PolyglotException.class, () -> run(ctx, wrong, DType.FLOAT,
                            new long[][]{x, {1, 6, 1, 1}}, random(x), perChannel));
            assertTrue(e.getMessage().contains("summand must be"), e.getMessage());
        }
    }

    /** y = relu(conv(x, w, b, pads 1) + z): one FusedConv node, or Conv, Add and Relu. */
    private static byte[] residualModel(boolean fused, long[] w, float[] wv, float[] bv, long[] z, long group) {
        ModelBuilder b = new ModelBuilder("g").opset(22).opset("dev.dnnrun", 1);
        b.input("x", DType.FLOAT, 1, 4, 9, 8).input("z", DType.FLOAT, Arrays.stream(z).boxed().toArray());
        b.initializer("w", w, wv).initializer("b", new long[]{w[0]}, bv);
        if (fused) {
            b = b.node("FusedConv", "x,w,b,z", "y").domain("dev.dnnrun").attr("activation", "Relu").attr("group", group)
                            .ints("pads", 1, 1, 1, 1).done();
        } else {
            b = b.node("Conv", "x,w,b", "c").attr("group", group).ints("pads", 1, 1, 1, 1).done().node("Add", "c,z", "s").done()
                            .node("Relu", "s", "y").done();
        }
        return b.output("y").build();
    }
}
