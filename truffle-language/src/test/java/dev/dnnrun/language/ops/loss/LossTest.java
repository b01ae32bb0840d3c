package dev.dnnrun.language.ops.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * Hand-computed float64 cases (the ONNX node tests only use float32) and the user errors of the loss operators and
 * RMSNormalization.
 */
class LossTest {
    private static Value load(Context ctx, byte[] model) {
        return ctx.eval(Source.newBuilder("dnn", ByteSequence.create(model), "m.onnx").buildLiteral());
    }

    private static Value tensor(Context ctx, String dtype, long[] shape, double... data) {
        return ctx.getBindings("dnn").getMember("tensor").execute(dtype, shape, data);
    }

    @Test
    void softmaxCrossEntropyFloat64WithWeightsAndIgnoreIndex() {
        // scores [2, 3] (rows 0,0,0 and 0,ln2,0); labels {1, 2}, the second one ignored; weights {1, 3, 5}.
        double ln2 = Math.log(2);
        byte[] model = new ModelBuilder("g").opset(13).input("x", DType.DOUBLE, 2, 3).input("t", DType.INT64, 2)
                        .input("w", DType.DOUBLE, 3).node("SoftmaxCrossEntropyLoss", "x,t,w", "loss,lp")
                        .attr("ignore_index", 2L).done().output("loss").output("lp").build();
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value r = load(ctx, model).execute(tensor(ctx, "float64", new long[]{2, 3}, 0, 0, 0, 0, ln2, 0),
                            tensor(ctx, "int64", new long[]{2}, 1, 2), tensor(ctx, "float64", new long[]{3}, 1, 3, 5));
            // Only the first element counts: loss 3 * ln 3, divided by its weight 3.
            assertEquals(Math.log(3), r.getArrayElement(0).getArrayElement(0).asDouble(), 1e-12);
            assertEquals(-Math.log(4), r.getArrayElement(1).getArrayElement(3).asDouble(), 1e-12);
            assertEquals(-Math.log(2), r.getArrayElement(1).getArrayElement(4).asDouble(), 1e-12);
        }
    }

    @Test
    void nllLossNoneAndSumOverSpatialDims() {
        // input [1, 2, 2]: class 0 = {-1, -2}, class 1 = {-3, -4}; target [1, 2] = {1, 0}.
        for (String reduction : new String[]{"none", "sum"}) {
            byte[] model = new ModelBuilder("g").opset(22).input("x", DType.DOUBLE, 1, 2, 2).input("t", DType.INT32, 1, 2)
                            .node("NegativeLogLikelihoodLoss", "x,t", "loss").attr("reduction", reduction).done()
                            .output("loss").build();
            try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
                Value loss = load(ctx, model).execute(tensor(ctx, "float64", new long[]{1, 2, 2}, -1, -2, -3, -4),
                                tensor(ctx, "int32", new long[]{1, 2}, 1, 0)).getArrayElement(0);
                if (reduction.equals("none")) {
                    assertEquals(3, loss.getArrayElement(0).asDouble());
                    assertEquals(2, loss.getArrayElement(1).asDouble());
                } else {
                    assertEquals(5, loss.getArrayElement(0).asDouble());
                }
            }
        }
    }

    @Test
    void rmsNormalizationFloat64() {
        // Rows {3, 4} and {0, 0}; rms of the first is sqrt(12.5), epsilon 0; scale {1, 2}.
        byte[] model = new ModelBuilder("g").opset(23).input("x", DType.DOUBLE, 2, 2).input("s", DType.DOUBLE, 2)
                        .node("RMSNormalization", "x,s", "y").attr("stash_type", 11L).attr("epsilon", 1e-6f).done()
                        .output("y").build();
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            Value y = load(ctx, model).execute(tensor(ctx, "float64", new long[]{2, 2}, 3, 4, 0, 0),
                            tensor(ctx, "float64", new long[]{2}, 1, 2)).getArrayElement(0);
            double rms = Math.sqrt(12.5 + (double) 1e-6f);
            assertEquals(3 / rms, y.getArrayElement(0).asDouble(), 1e-12);
            assertEquals(8 / rms, y.getArrayElement(1).asDouble(), 1e-12);
            assertEquals(0, y.getArrayElement(3).asDouble());
        }
    }

    @Test
    void userErrors() {
        try (Context ctx = Context.newBuilder("dnn").allowAllAccess(true).build()) {
            byte[] nll = new ModelBuilder("g").opset(22).input("x", DType.FLOAT, 1, 2).input("t", DType.INT64, 1)
                            .node("NegativeLogLikelihoodLoss", "x,t", "loss").done().output("loss").build();
            Value m = load(ctx, nll);
            PolyglotException e = assertThrows(PolyglotException.class,
                            () -> m.execute(tensor(ctx, "float32", new long[]{1, 2}, 0, 0),
                                            tensor(ctx, "int64", new long[]{1}, 2)));
            assertTrue(e.getMessage().contains("out of range"), e.getMessage());
            byte[] badReduction = new ModelBuilder("g").opset(13).input("x", DType.FLOAT, 1, 2).input("t", DType.INT64, 1)
                            .node("SoftmaxCrossEntropyLoss", "x,t", "loss").attr("reduction", "max").done().output("loss")
                            .build();
            e = assertThrows(PolyglotException.class, () -> load(ctx, badReduction));
            assertTrue(e.getMessage().contains("reduction"), e.getMessage());
            byte[] badShape = new ModelBuilder("g").opset(13).input("x", DType.FLOAT, 2, 3).input("t", DType.INT64, 3)
                            .node("SoftmaxCrossEntropyLoss", "x,t", "loss").done().output("loss").build();
            e = assertThrows(PolyglotException.class, () -> load(ctx, badShape).execute(
                            tensor(ctx, "float32", new long[]{2, 3}, new double[6]), tensor(ctx, "int64", new long[]{3}, 0, 0, 0)));
            assertTrue(e.getMessage().contains("does not match"), e.getMessage());
            byte[] rms = new ModelBuilder("g").opset(23).input("x", DType.FLOAT, 2, 3).input("s", DType.FLOAT, 2)
                            .node("RMSNormalization", "x,s", "y").done().output("y").build();
            e = assertThrows(PolyglotException.class, () -> load(ctx, rms).execute(
                            tensor(ctx, "float32", new long[]{2, 3}, new double[6]), tensor(ctx, "float32", new long[]{2}, 1, 1)));
            assertTrue(e.getMessage().contains("does not broadcast"), e.getMessage());
        }
    }
}
