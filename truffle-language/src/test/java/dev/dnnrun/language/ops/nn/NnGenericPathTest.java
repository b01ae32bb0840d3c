package dev.dnnrun.language.ops.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/**
 * The generic (double) paths of the nn operators, checked against the float32 fast paths (which the ONNX node
 * tests cover) on the same random data, plus hand-computed LayerNormalization cases the node tests lack.
 */
class NnGenericPathTest {
    private static final Random RANDOM = new Random(42);

    private static double[] random(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.round(RANDOM.nextGaussian() * 64) / 64.0;
        }
        return v;
    }

    private static int count(long[] shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        return n;
    }

    /** One-node model with the given inputs (all of type t), one output "y" (plus extra named outputs). */
    private static byte[] model(String op, DType t, long[][] shapes, UnaryOperator<ModelBuilder.NodeBuilder> attrs,
                    String... extraOutputs) {
        ModelBuilder b = new ModelBuilder("g").opset(22);
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < shapes.length; i++) {
            b.input("in" + i, t, java.util.Arrays.stream(shapes[i]).boxed().toArray());
            names.append(i == 0 ? "" : ",").append("in").append(i);
        }
        String outs = "y" + (extraOutputs.length == 0 ? "" : "," + String.join(",", extraOutputs));
        b = attrs.apply(b.node(op, names.toString(), outs)).done();
        b.output("y");
        for (String o : extraOutputs) {
            b.output(o);
        }
        return b.build();
    }

    /** Runs the model with the inputs as tensors of type t; returns output o as doubles. */
    private static double[] run(Context ctx, byte[] model, DType t, int output, long[][] shapes, double[][] data) {
        Value m = ctx.eval(Source.newBuilder("dnn", ByteSequence.create(model), "m.onnx").buildLiteral());
        Object[] args = new Object[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            args[i] = ctx.getBindings("dnn").getMember("tensor").execute(t.displayName, shapes[i], data[i]);
        }
        Value result = m.execute(args);
        Value y = result.getArrayElement(output);
        double[] out = new double[(int) y.getArraySize()];
        for (int i = 0; i < out.length; i++) {
            out[i] = y.getArrayElement(i).asDouble();
        }
        return out;
    }

    /** float64 (and optionally another type) result equals the float32 result on the same data. */
    private static void sameAsFloat(String op, UnaryOperator<ModelBuilder.NodeBuilder> attrs, long[][] shapes,
                    DType other, double tolerance) {
        double[][] data = new double[shapes.length][];
        for (int i = 0; i < shapes.length; i++) {
            data[i] = random(count(shapes[i]));
        }
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            double[] f = run(ctx, model(op, DType.FLOAT, shapes, attrs), DType.FLOAT, 0, shapes, data);
            double[] o = run(ctx, model(op, other, shapes, attrs), other, 0, shapes, data);
            assertEquals(f.length, o.length);
            for (int i = 0; i < f.length; i++) {
                assertEquals(f[i], o[i], tolerance * (1 + Math.abs(f[i])), op + " element " + i);
            }
        }
    }

    @Test
    void convFloat64() {
        sameAsFloat("Conv", n -> n.ints("pads", 1, 0, 2, 1).ints("strides", 2, 1).ints("dilations", 1, 2).attr("group", 2L),
                        new long[][]{{2, 4, 7, 6}, {6, 2, 3, 2}, {6}}, DType.DOUBLE, 1e-5);
        sameAsFloat("Conv", n -> n.attr("auto_pad", "SAME_LOWER").ints("strides", 2, 2, 1),
                        new long[][]{{1, 3, 4, 5, 6}, {2, 3, 2, 3, 3}}, DType.DOUBLE, 1e-5);
    }

    @Test
    void convTransposeFloat64() {
        sameAsFloat("ConvTranspose", n -> n.ints("pads", 1, 1, 0, 2).ints("strides", 3, 2).ints("output_padding", 2, 1)
                        .ints("dilations", 1, 2).attr("group", 2L), new long[][]{{2, 4, 3, 4}, {4, 3, 3, 2}, {6}}, DType.DOUBLE, 1e-5);
        sameAsFloat("ConvTranspose", n -> n.ints("output_shape", 8).ints("strides", 2),
                        new long[][]{{1, 2, 4}, {2, 3, 3}}, DType.DOUBLE, 1e-5);
    }

    @Test
    void poolingGenericTypes() {
        UnaryOperator<ModelBuilder.NodeBuilder> w = n -> n.ints("kernel_shape", 3, 2).ints("pads", 1, 1, 1, 0)
                        .ints("strides", 2, 1).attr("ceil_mode", 1L);
        long[][] shapes = {{2, 3, 6, 5}};
        sameAsFloat("AveragePool", w, shapes, DType.DOUBLE, 1e-6);
        sameAsFloat("AveragePool", n -> w.apply(n).attr("count_include_pad", 1L), shapes, DType.DOUBLE, 1e-6);
        sameAsFloat("MaxPool", w, shapes, DType.DOUBLE, 0);
        sameAsFloat("MaxPool", w, shapes, DType.FLOAT16, 1e-3);
    }

    @Test
    void maxPoolInt8WithIndices() {
        long[][] shapes = {{1, 2, 4, 4}};
        double[] x = new double[32];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 37) % 61 - 30;
        }
        byte[] f = model("MaxPool", DType.FLOAT, shapes, n -> n.ints("kernel_shape", 2, 2).ints("pads", 1, 1, 1, 1), "idx");
        byte[] b = model("MaxPool", DType.INT8, shapes, n -> n.ints("kernel_shape", 2, 2).ints("pads", 1, 1, 1, 1), "idx");
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            assertArrayEquals(run(ctx, f, DType.FLOAT, 0, shapes, new double[][]{x}), run(ctx, b, DType.INT8, 0, shapes, new double[][]{x}));
            assertArrayEquals(run(ctx, f, DType.FLOAT, 1, shapes, new double[][]{x}), run(ctx, b, DType.INT8, 1, shapes, new double[][]{x}));
        }
    }

    @Test
    void normalizationFloat64() {
        sameAsFloat("LRN", n -> n.attr("size", 4L).attr("alpha", 0.01f).attr("beta", 0.6f).attr("bias", 1.5f),
                        new long[][]{{2, 5, 3, 2}}, DType.DOUBLE, 1e-5);
        sameAsFloat("InstanceNormalization", n -> n.attr("epsilon", 1e-3f), new long[][]{{2, 3, 4, 5}, {3}, {3}},
                        DType.DOUBLE, 1e-5);
        sameAsFloat("LayerNormalization", n -> n.attr("axis", -2L), new long[][]{{2, 3, 4, 5}, {4, 5}, {5}},
                        DType.DOUBLE, 1e-5);
    }

    /** Scale varying along a leading (non-normalized) axis, no B, float64 stash: Mean/InvStdDev are float64. */
    @Test
    void layerNormalizationScaleOnLeadingAxisAndStash() {
        double[] x = {1, 2, 3, 4, 10, 20, 30, 40};
        double[] scale = {1, 2};
        ModelBuilder b = new ModelBuilder("g").opset(17).input("x", DType.DOUBLE, 2, 4).input("s", DType.DOUBLE, 2, 1);
        byte[] model = b.node("LayerNormalization", "x,s", "y,mean,inv").attr("stash_type", 11L).attr("epsilon", 0f).done()
                        .output("y").output("mean").output("inv").build();
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value m = ctx.eval(Source.newBuilder("dnn", ByteSequence.create(model), "ln.onnx").buildLiteral());
            Value tensor = ctx.getBindings("dnn").getMember("tensor");
            Value r = m.execute(tensor.execute("float64", new long[]{2, 4}, x), tensor.execute("float64", new long[]{2, 1}, scale));
            double inv0 = 1 / Math.sqrt(1.25);
            double inv1 = inv0 / 10;
            double[] expected = {-1.5 * inv0, -0.5 * inv0, 0.5 * inv0, 1.5 * inv0, -2 * 15 * inv1, -2 * 5 * inv1, 2 * 5 * inv1,
                            2 * 15 * inv1};
            for (int i = 0; i < 8; i++) {
                assertEquals(expected[i], r.getArrayElement(0).getArrayElement(i).asDouble(), 1e-12);
            }
            assertEquals("float64", r.getArrayElement(1).getMember("dtype").asString());
            assertEquals(2, r.getArrayElement(1).getMember("shape").getArrayElement(0).asLong());
            assertEquals(1, r.getArrayElement(1).getMember("shape").getArrayElement(1).asLong());
            assertEquals(25, r.getArrayElement(1).getArrayElement(1).asDouble(), 1e-12);
            assertEquals(inv1, r.getArrayElement(2).getArrayElement(1).asDouble(), 1e-15);
        }
    }

    @Test
    void badAttributesAndTypesAreUserErrors() {
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            long[][] shapes = {{1, 1, 2, 2}, {1, 1, 2, 2}};
            byte[] intConv = model("ConvTranspose", DType.INT32, shapes, n -> n);
            PolyglotException e = org.junit.jupiter.api.Assertions.assertThrows(PolyglotException.class,
                            () -> run(ctx, intConv, DType.INT32, 0, shapes,
                                            new double[][]{new double[4], new double[4]}));
            assertTrue(e.getMessage().contains("float32 and float64"), e.getMessage());
            byte[] noSize = model("LRN", DType.FLOAT, new long[][]{{1, 1, 2, 2}}, n -> n);
            e = org.junit.jupiter.api.Assertions.assertThrows(PolyglotException.class,
                            () -> ctx.eval(Source.newBuilder("dnn", ByteSequence.create(noSize), "lrn.onnx").buildLiteral()));
            assertTrue(e.getMessage().contains("size"), e.getMessage());
        }
    }
}
