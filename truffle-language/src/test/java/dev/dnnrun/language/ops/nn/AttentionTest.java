package dev.dnnrun.language.ops.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.ByteSequence;
import org.junit.jupiter.api.Test;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;

/**
 * Hand-computed Attention cases for what the ONNX node tests leave out: the float64 path and attribute validation.
 */
class AttentionTest {
    private static double[] run(Context ctx, byte[] model, DType t, long[][] shapes, double[][] data) {
        Value m = ctx.eval(Source.newBuilder("dnn", ByteSequence.create(model), "m.onnx").buildLiteral());
        Object[] args = new Object[shapes.length];
        for (int i = 0; i < shapes.length; i++) {
            args[i] = ctx.getBindings("dnn").getMember("tensor").execute(t.displayName, shapes[i], data[i]);
        }
        Value y = m.execute(args).getArrayElement(0);
        double[] out = new double[(int) y.getArraySize()];
        for (int i = 0; i < out.length; i++) {
            out[i] = y.getArrayElement(i).asDouble();
        }
        return out;
    }

    private static byte[] model(DType t, long[] q, long[] k, long[] v, long causal, long qHeads, long kvHeads) {
        ModelBuilder b = new ModelBuilder("g").opset(23);
        b.input("q", t, java.util.Arrays.stream(q).boxed().toArray());
        b.input("k", t, java.util.Arrays.stream(k).boxed().toArray());
        b.input("v", t, java.util.Arrays.stream(v).boxed().toArray());
        ModelBuilder.NodeBuilder n = b.node("Attention", "q,k,v", "y").attr("is_causal", causal);
        if (qHeads > 0) {
            n = n.attr("q_num_heads", qHeads).attr("kv_num_heads", kvHeads);
        }
        return n.done().output("y").build();
    }

    @Test
    void causalFloat64() {
        // One head, head size 1, scale 1: row 0 sees only key 0; row 1 gets softmax([0, ln 3]) = [1/4, 3/4].
        long[] s = {1, 1, 2, 1};
        byte[] m = model(DType.DOUBLE, s, s, s, 1, 0, 0);
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            double[] y = run(ctx, m, DType.DOUBLE, new long[][]{s, s, s},
                            new double[][]{{1, 1}, {0, Math.log(3)}, {2, 6}});
            assertArrayEquals(new double[]{2, 5}, y, 1e-12);
        }
    }

    @Test
    void groupedQueryFloat64In3d() {
        // Two query heads share one KV head; with identical keys the weights are uniform, so each query head
        // gets the mean of the values regardless of its query.
        long[] q = {1, 1, 2};
        long[] kv = {1, 2, 1};
        byte[] m = model(DType.DOUBLE, q, kv, kv, 0, 2, 1);
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            double[] y = run(ctx, m, DType.DOUBLE, new long[][]{q, kv, kv},
                            new double[][]{{0.5, -3}, {1, 1}, {2, 4}});
            assertArrayEquals(new double[]{3, 3}, y, 1e-12);
        }
    }

    @Test
    void threeDimensionalInputsNeedHeadCounts() {
        long[] s = {1, 2, 4};
        byte[] m = model(DType.FLOAT, s, s, s, 0, 0, 0);
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            PolyglotException e = assertThrows(PolyglotException.class,
                            () -> run(ctx, m, DType.FLOAT, new long[][]{s, s, s},
                                            new double[][]{new double[8], new double[8], new double[8]}));
            assertTrue(e.getMessage().contains("q_num_heads"), e.getMessage());
        }
    }
}
