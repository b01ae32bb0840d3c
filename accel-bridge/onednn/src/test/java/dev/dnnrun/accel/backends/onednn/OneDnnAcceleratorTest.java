package dev.dnnrun.accel.backends.onednn;

import static dev.dnnrun.accel.tck.Reference.assertClose;
import static dev.dnnrun.accel.tck.Reference.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Support;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.tck.Reference;
import dev.dnnrun.accel.tck.SegmentBuilder;
import dev.dnnrun.tensor.DType;

/** oneDNN beyond the backend contract ({@link OneDnnContractTest}): each operator against a reference, and the reasons it declines. */
class OneDnnAcceleratorTest {
    private static final OneDnnAccelerator ACC = new OneDnnAccelerator();

    @BeforeAll
    static void needsLibrary() {
        Assumptions.assumeTrue(ACC.unavailableReason() == null, () -> "skipped: " + ACC.unavailableReason());
    }

    @Test
    void convWithGroupsStridesPadsDilationsAndBias() throws Exception {
        long[] xs = { 2, 4, 9, 8 }, ws = { 6, 2, 3, 3 }, ys = { 2, 6, 4, 5 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            float[] w = b.constant("w", ws);
            float[] bias = b.constant("b", 6);
            b.op("Conv", List.of("x", "w", "b"), "y", ys, "group", 2L, "strides", new long[] { 2, 2 },
                            "pads", new long[] { 1, 2, 1, 1 }, "dilations", new long[] { 2, 1 }, "kernel_shape", new long[] { 3, 3 });
            b.output("y");
            float[] ref = Reference.conv(x, xs, w, ws, bias, 2, new int[] { 2, 2 }, new int[] { 1, 2 }, new int[] { 2, 1 }, ys);
            assertClose(ref, b.runOn(ACC)[0], 1e-4);
        }
    }

    @Test
    void convSamePadding() throws Exception {
        long[] xs = { 1, 3, 7, 7 }, ws = { 5, 3, 3, 3 }, ys = { 1, 5, 4, 4 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            float[] w = b.constant("w", ws);
            b.op("Conv", List.of("x", "w"), "y", ys, "strides", new long[] { 2, 2 }, "auto_pad", "SAME_UPPER");
            b.output("y");
            // total pad 2 per axis: 1 before, 1 after
            assertClose(Reference.conv(x, xs, w, ws, null, 1, new int[] { 2, 2 }, new int[] { 1, 1 }, new int[] { 1, 1 }, ys), b.runOn(ACC)[0], 1e-4);
        }
    }

    @Test
    void sumOfTwoInputsBroadcastsLikeAddAndDeclinesOtherCounts() throws Exception {
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", 2, 3, 4);
            float[] c = b.constant("c", 3, 1);
            b.op("Sum", 13, List.of("x", "c"), "y", new long[] { 2, 3, 4 });
            b.output("y");
            float[] ref = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                ref[i] = x[i] + c[(i / 4) % 3];
            }
            assertClose(ref, b.runOn(ACC)[0], 1e-6);
        }
        try (SegmentBuilder b = new SegmentBuilder()) {
            b.input("x", 2, 3);
            b.input("z", 2, 3);
            OpView three = b.op("Sum", 13, List.of("x", "z", "x"), "y", new long[] { 2, 3 });
            assertEquals("Sum of 3 inputs: only two", ACC.supports(three).reason());
            OpView one = b.op("Sum", 13, List.of("x"), "y1", new long[] { 2, 3 });
            assertEquals("Sum of 1 inputs: only two", ACC.supports(one).reason());
        }
        assertTrue(ACC.patterns().stream().anyMatch(p -> p.opTypes().equals(List.of("Conv", "Sum", "Relu"))));
    }

    @Test
    void openMpThreadCountIsReachableThroughLibdnnl() throws Throwable {
        // dnnrun.onednn.threads relies on finding omp_set_num_threads via libdnnl's own handle (its libgomp).
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var lib = java.lang.foreign.SymbolLookup.libraryLookup(Dnnl.LIBRARY, arena);
            var linker = java.lang.foreign.Linker.nativeLinker();
            var set = linker.downcallHandle(Dnnl.ompSymbol(lib), java.lang.foreign.FunctionDescriptor.ofVoid(java.lang.foreign.ValueLayout.JAVA_INT));
            var get = linker.downcallHandle(lib.find("omp_get_max_threads").orElseThrow(),
                            java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT));
            int before = (int) get.invokeExact();
            set.invokeExact(1);
            assertEquals(1, (int) get.invokeExact());
            set.invokeExact(before);
        }
        assertEquals(3, Dnnl.parseThreads(" 3"));
        assertThrows(RuntimeException.class, () -> Dnnl.parseThreads("0"));
        assertThrows(RuntimeException.class, () -> Dnnl.parseThreads("all"));
    }

    @Test
    void callsAreBoundFromTheirArgumentTypesAndRefuseOtherTypes() {
        // dnnl_primitive_attr_destroy(dnnl_primitive_attr_t) accepts NULL; the first call binds it as (pointer) -> status.
        Dnnl.call("dnnl_primitive_attr_destroy", java.lang.foreign.MemorySegment.NULL);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dnnl.call("dnnl_primitive_attr_destroy", 0L));
        assertTrue(e.getMessage().startsWith("dnnl_primitive_attr_destroy bound as (MemorySegment)int"), e.getMessage());
        // A double where dnnl.h has a float is refused, never converted.
        assertThrows(IllegalArgumentException.class, () -> Dnnl.call("dnnl_post_ops_append_sum", java.lang.foreign.MemorySegment.NULL, 1.0));
    }

    @Test
    void softmaxAlongAnAxisAndWhatItDeclines() throws Exception {
        long[] xs = { 2, 3, 4 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            b.op("Softmax", 13, List.of("x"), "y", xs, "axis", 1L);
            b.output("y");
            float[] ref = new float[x.length];
            for (int n = 0; n < 2; n++) {
                for (int k = 0; k < 4; k++) {
                    double s = 0;
                    for (int c = 0; c < 3; c++) {
                        s += Math.exp(x[n * 12 + c * 4 + k]);
                    }
                    for (int c = 0; c < 3; c++) {
                        ref[n * 12 + c * 4 + k] = (float) (Math.exp(x[n * 12 + c * 4 + k]) / s);
                    }
                }
            }
            assertClose(ref, b.runOn(ACC)[0], 1e-6);
            OpView flattened = b.op("Softmax", 11, List.of("x"), "z", xs, "axis", 1L);
            assertEquals("Softmax-11 over the flattened dims 1..2 of [2, 3, 4]: only one non-trivial axis",
                            ACC.supports(flattened).reason());
            OpView concat = b.op("Concat", List.of("x", "y"), "k", new long[] { 2, 6, 4 });
            assertEquals("Concat axis missing for rank 3", ACC.supports(concat).reason());
        }
    }

    @Test
    void binaryOpsBroadcastTheSecondInputAndOnlyCommutingOnesSwap() throws Exception {
        long[] xs = { 2, 3, 4 }, cs = { 3, 1 };
        for (String type : new String[] { "Mul", "Sub", "Div", "Max", "Min" }) {
            try (SegmentBuilder b = new SegmentBuilder()) {
                float[] x = b.input("x", xs);
                float[] c = b.constant("c", new float[] { 0.5f, -2f, 4f }, cs);
                b.op(type, List.of("x", "c"), "y", xs);
                b.output("y");
                float[] ref = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    float p = x[i], q = c[(i / 4) % 3];
                    ref[i] = switch (type) {
                        case "Mul" -> p * q;
                        case "Sub" -> p - q;
                        case "Div" -> p / q;
                        case "Max" -> Math.max(p, q);
                        default -> Math.min(p, q);
                    };
                }
                assertClose(ref, b.runOn(ACC)[0], 1e-6);
                OpView swapped = b.op(type, List.of("c", "x"), "z", xs);
                if (type.equals("Sub") || type.equals("Div")) {
                    assertEquals(type + " of [3, 1] and [2, 3, 4]: only the second input may broadcast", ACC.supports(swapped).reason());
                } else {
                    assertTrue(ACC.supports(swapped).supported(), type + " commutes");
                }
            }
        }
    }

    @Test
    void lrnAcrossChannelsAndTranspose() throws Exception {
        long[] xs = { 1, 5, 2, 3 }, ts = { 1, 3, 5, 2 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            b.op("LRN", List.of("x"), "l", xs, "size", 3L, "alpha", 0.3, "beta", 0.75, "bias", 2.0);
            b.op("Transpose", List.of("l"), "y", ts, "perm", new long[] { 0, 3, 1, 2 });
            b.output("y");
            float[] lrn = new float[x.length];
            for (int c = 0; c < 5; c++) {
                for (int p = 0; p < 6; p++) {
                    double sq = 0;
                    for (int k = Math.max(0, c - 1); k <= Math.min(4, c + 1); k++) {
                        sq += x[k * 6 + p] * x[k * 6 + p];
                    }
                    lrn[c * 6 + p] = (float) (x[c * 6 + p] / Math.pow(2.0 + 0.3 / 3 * sq, 0.75));
                }
            }
            float[] ref = new float[x.length];
            for (int w = 0; w < 3; w++) {
                for (int c = 0; c < 5; c++) {
                    for (int h = 0; h < 2; h++) {
                        ref[w * 10 + c * 2 + h] = lrn[c * 6 + h * 3 + w];
                    }
                }
            }
            assertClose(ref, b.runOn(ACC)[0], 1e-5);
            OpView even = b.op("LRN", List.of("x"), "e", xs, "size", 4L);
            assertEquals("LRN size 4: only odd sizes (oneDNN centres an even window differently)", ACC.supports(even).reason());
        }
    }

    @Test
    void pooling() throws Exception {
        long[] xs = { 2, 3, 7, 6 }, ys = { 2, 3, 4, 3 };
        for (String type : new String[] { "MaxPool", "AveragePool" }) {
            for (long include = 0; include <= 1; include++) {
                try (SegmentBuilder b = new SegmentBuilder()) {
                    float[] x = b.input("x", xs);
                    b.op(type, List.of("x"), "y", ys, "kernel_shape", new long[] { 3, 2 }, "strides", new long[] { 2, 2 },
                                    "pads", new long[] { 1, 0, 1, 0 }, "count_include_pad", include);
                    b.output("y");
                    float[] ref = Reference.pool(x, xs, type.equals("MaxPool"), new int[] { 3, 2 }, new int[] { 2, 2 },
                                    new int[] { 1, 0, 1, 0 }, include == 1, ys);
                    assertClose(ref, b.runOn(ACC)[0], 1e-5);
                }
            }
        }
    }

    @Test
    void poolCeilModeDeclinedOnlyWhenSizesDiffer() throws Exception {
        try (SegmentBuilder b = new SegmentBuilder()) {
            b.input("x", 1, 1, 6, 6);
            OpView op = b.op("MaxPool", List.of("x"), "y", new long[] { 1, 1, 3, 3 }, "kernel_shape", new long[] { 2, 2 },
                            "strides", new long[] { 2, 2 }, "ceil_mode", 1L);
            assertTrue(ACC.supports(op).supported());
        }
        try (SegmentBuilder b = new SegmentBuilder()) {
            b.input("x", 1, 1, 5, 5);
            OpView op = b.op("MaxPool", List.of("x"), "y", new long[] { 1, 1, 3, 3 }, "kernel_shape", new long[] { 2, 2 },
                            "strides", new long[] { 2, 2 }, "ceil_mode", 1L);
            b.output("y");
            Support s = ACC.supports(op);
            assertFalse(s.supported());
            assertTrue(s.reason().contains("ceil_mode=1"), s.reason());
            assertThrows(UnsupportedSegmentException.class, () -> ACC.compile(b.build()));
        }
    }

    @Test
    void eltwise() throws Exception {
        Object[][] cases = { { "Relu", (DoubleUnaryOperator) v -> Math.max(0, v), new Object[0] },
            { "Sigmoid", (DoubleUnaryOperator) v -> 1 / (1 + Math.exp(-v)), new Object[0] },
            { "Tanh", (DoubleUnaryOperator) Math::tanh, new Object[0] },
            { "LeakyRelu", (DoubleUnaryOperator) v -> v < 0 ? 0.2 * v : v, new Object[] { "alpha", 0.2 } },
            { "Exp", (DoubleUnaryOperator) Math::exp, new Object[0] },
            { "Abs", (DoubleUnaryOperator) Math::abs, new Object[0] } };
        for (Object[] c : cases) {
            try (SegmentBuilder b = new SegmentBuilder()) {
                float[] x = b.input("x", 3, 5, 7);
                b.op((String) c[0], List.of("x"), "y", new long[] { 3, 5, 7 }, (Object[]) c[2]);
                b.output("y");
                assertClose(map(x, (DoubleUnaryOperator) c[1]), b.runOn(ACC)[0], 1e-5);
            }
        }
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = map(b.input("x", 40), Math::abs);
            b.op("Abs", List.of("x"), "a", new long[] { 40 });
            b.op("Sqrt", List.of("a"), "y", new long[] { 40 });
            b.output("y");
            assertClose(map(x, Math::sqrt), b.runOn(ACC)[0], 1e-5);
        }
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", 4, 10);
            b.constant("lo", new float[] { -0.25f });
            b.constant("hi", new float[] { 0.5f });
            b.op("Clip", List.of("x", "lo", "hi"), "y", new long[] { 4, 10 });
            b.output("y");
            assertClose(map(x, v -> Math.min(0.5, Math.max(-0.25, v))), b.runOn(ACC)[0], 1e-6);
        }
    }

    @Test
    void batchNormalization() throws Exception {
        long[] xs = { 2, 3, 4, 5 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            float[] scale = b.constant("s", 3);
            float[] shift = b.constant("b", 3);
            float[] mean = b.constant("m", 3);
            float[] var = map(b.random(3), v -> Math.abs(v) + 0.1);
            b.constant("v", var, 3);
            b.op("BatchNormalization", List.of("x", "s", "b", "m", "v"), "y", xs, "epsilon", 1e-3);
            b.output("y");
            float[] ref = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                int c = (i / 20) % 3;
                ref[i] = (float) ((x[i] - mean[c]) / Math.sqrt(var[c] + 1e-3) * scale[c] + shift[c]);
            }
            assertClose(ref, b.runOn(ACC)[0], 1e-4);
        }
    }

    @Test
    void addSameShapeAndBroadcast() throws Exception {
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", 2, 3, 4);
            float[] c = b.constant("c", 3, 1);
            b.op("Add", List.of("c", "x"), "y", new long[] { 2, 3, 4 });
            b.output("y");
            float[] ref = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                ref[i] = x[i] + c[(i / 4) % 3];
            }
            assertClose(ref, b.runOn(ACC)[0], 1e-6);
        }
    }

    @Test
    void matmulBatchedAndBiasAdd() throws Exception {
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] a = b.input("a", 3, 4, 5);
            float[] w = b.constant("w", 5, 6);
            float[] bias = b.constant("bias", 6);
            b.op("MatMul", List.of("a", "w"), "m", new long[] { 3, 4, 6 });
            b.op("Add", List.of("m", "bias"), "y", new long[] { 3, 4, 6 });
            b.output("y");
            float[] ref = Reference.matmul(a, w, 3, 4, 5, 6, 20, 0);
            for (int i = 0; i < ref.length; i++) {
                ref[i] += bias[i % 6];
            }
            assertClose(ref, b.runOn(ACC)[0], 1e-4);
        }
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] a = b.input("a", 2, 3, 4, 5);
            float[] w = b.input("w", 2, 3, 5, 6);
            b.op("MatMul", List.of("a", "w"), "y", new long[] { 2, 3, 4, 6 });
            b.output("y");
            assertClose(Reference.matmul(a, w, 6, 4, 5, 6, 20, 30), b.runOn(ACC)[0], 1e-4);
        }
    }

    @Test
    void gemmTransposesScalesBiasAndRelu() throws Exception {
        long[][] biasShapes = { { 7 }, { 1, 7 }, { 5, 1 }, { 5, 7 } };
        for (long[] cs : biasShapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                try (SegmentBuilder b = new SegmentBuilder()) {
                    float[] a = b.input("a", ta ? new long[] { 3, 5 } : new long[] { 5, 3 });
                    float[] w = b.constant("w", tb ? new long[] { 7, 3 } : new long[] { 3, 7 });
                    float[] c = b.constant("c", cs);
                    b.op("Gemm", List.of("a", "w", "c"), "g", new long[] { 5, 7 }, "transA", ta ? 1L : 0L, "transB", tb ? 1L : 0L,
                                    "alpha", 0.5, "beta", 2.0);
                    b.op("Relu", List.of("g"), "y", new long[] { 5, 7 });
                    b.output("y");
                    float[] ref = map(Reference.gemm(a, w, c, cs, 5, 3, 7, ta, tb, 0.5f, 2f), v -> Math.max(0, v));
                    assertClose(ref, b.runOn(ACC)[0], 1e-4);
                }
            }
        }
        try (SegmentBuilder b = new SegmentBuilder()) { // alpha without C: output scale
            float[] a = b.input("a", 4, 3);
            float[] w = b.input("w", 3, 2);
            b.op("Gemm", List.of("a", "w"), "y", new long[] { 4, 2 }, "alpha", 3.0);
            b.output("y");
            assertClose(Reference.gemm(a, w, null, null, 4, 3, 2, false, false, 3f, 0f), b.runOn(ACC)[0], 1e-4);
        }
    }

    @Test
    void declinesWithReasons() {
        OpView f64 = new OpView("c", "Conv", "", 13, Map.of(), List.of("x", "w"), List.of("y"),
                        List.of(new TensorType(DType.DOUBLE, new long[] { 1, 1, 3, 3 }), new TensorType(DType.DOUBLE, new long[] { 1, 1, 1, 1 })),
                        List.of(new TensorType(DType.DOUBLE, new long[] { 1, 1, 3, 3 })), Map.of());
        assertEquals("Conv with dtype float64: only float32", ACC.supports(f64).reason());
        try (SegmentBuilder b = new SegmentBuilder()) {
            b.input("x", 1, 2, 5, 5);
            b.constant("w", 2, 2, 3, 3);
            OpView bad = b.op("Conv", List.of("x", "w"), "y", new long[] { 1, 2, 3, 3 }, "pads", new long[] { 1, 1, 1 });
            b.output("y");
            Support s = ACC.supports(bad);
            assertFalse(s.supported());
            assertEquals("Conv pads of length 3 for 2 spatial axes", s.reason());
            assertThrows(UnsupportedSegmentException.class, () -> ACC.compile(b.build()));
        }
        try (SegmentBuilder b = new SegmentBuilder()) { // output shape that does not fit the window
            b.input("x", 1, 2, 5, 5);
            b.constant("w", 2, 2, 3, 3);
            b.op("Conv", List.of("x", "w"), "y", new long[] { 1, 2, 5, 5 });
            b.output("y");
            UnsupportedSegmentException e = assertThrows(UnsupportedSegmentException.class, () -> ACC.compile(b.build()));
            assertEquals("Conv 'Conv0': oneDNN rejected shapes x [1, 2, 5, 5] w [2, 2, 3, 3] -> y [1, 2, 5, 5] "
                            + "(dnnl_dilated_convolution_forward_desc_init returned dnnl_invalid_arguments)", e.getMessage());
        }
        try (SegmentBuilder b = new SegmentBuilder()) { // a reshape must keep the element count (ONNX's rule, not oneDNN's)
            b.input("x", 2, 3);
            b.constantLongs("s", new long[] { 5 });
            b.op("Reshape", List.of("x", "s"), "y", new long[] { 5 });
            b.output("y");
            assertEquals("Reshape 'Reshape0' of [2, 3] to [5]", assertThrows(UnsupportedSegmentException.class, () -> ACC.compile(b.build())).getMessage());
        }
        OpView softmax = new OpView("s", "Softmax", "", 13, Map.of(), List.of("x"), List.of("y"), List.of(), List.of(), Map.of());
        assertFalse(ACC.supports(softmax).supported());
        assertEquals(List.of("Conv", "Add", "Relu"), ACC.patterns().get(1).opTypes());
    }
}
