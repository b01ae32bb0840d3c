package dev.dnnrun.accel.backends.onnxruntime;

import static dev.dnnrun.accel.tck.Reference.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.tck.Reference;
import dev.dnnrun.accel.tck.SegmentBuilder;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/** ONNX Runtime beyond the backend contract ({@link OnnxRuntimeContractTest}): its model writer, dtypes, opsets, reasons. */
class OnnxRuntimeAcceleratorTest {
    private final OnnxRuntimeAccelerator ort = new OnnxRuntimeAccelerator();

    @Test
    void isAvailableHere() {
        assertNull(ort.unavailableReason());
        assertEquals("onnxruntime", ort.name());
    }

    @Test
    void convRelu() throws Exception {
        long[] xs = { 1, 2, 5, 5 }, ws = { 3, 2, 3, 3 }, ys = { 1, 3, 5, 5 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            float[] w = b.constant("w", ws);
            float[] bias = b.constant("b", 3);
            b.op("Conv", List.of("x", "w", "b"), "c", ys, "pads", new long[] { 1, 1, 1, 1 }, "kernel_shape", new long[] { 3, 3 });
            b.op("Relu", List.of("c"), "y", ys);
            b.output("y");
            int[] one = { 1, 1 };
            float[] expected = Reference.map(Reference.conv(x, xs, w, ws, bias, 1, one, one, one, ys), v -> Math.max(0, v));
            assertClose(expected, b.runOn(ort)[0], 1e-5);
        }
    }

    @Test
    void matMulAdd() throws Exception {
        try (SegmentBuilder b = new SegmentBuilder().opset(17)) {
            float[] a = b.input("a", 4, 6);
            float[] w = b.constant("w", 6, 5);
            float[] bias = b.constant("bias", 5);
            b.op("MatMul", List.of("a", "w"), "m", new long[] { 4, 5 });
            b.op("Add", List.of("m", "bias"), "y", new long[] { 4, 5 });
            b.output("y");
            float[] expected = Reference.matmul(a, w, 1, 4, 6, 5, 0, 0);
            for (int i = 0; i < expected.length; i++) {
                expected[i] += bias[i % 5];
            }
            assertClose(expected, b.runOn(ort)[0], 1e-5);
        }
    }

    @Test
    void softmax() throws Exception {
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", 3, 7);
            b.op("Softmax", List.of("x"), "y", new long[] { 3, 7 }, "axis", -1L);
            b.output("y");
            float[] expected = new float[21];
            for (int r = 0; r < 3; r++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int c = 0; c < 7; c++) {
                    max = Math.max(max, x[r * 7 + c]);
                }
                for (int c = 0; c < 7; c++) {
                    sum += Math.exp(x[r * 7 + c] - max);
                }
                for (int c = 0; c < 7; c++) {
                    expected[r * 7 + c] = (float) (Math.exp(x[r * 7 + c] - max) / sum);
                }
            }
            assertClose(expected, b.runOn(ort)[0], 1e-6);
        }
    }

    @Test
    void integerAndBoolOutputs() throws Exception {
        float[] data = { 1, -5, 3, -1, 7, -2 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            b.input("x", data, 2, 3);
            b.constant("zero", new float[] { 0f });
            b.value("i", DType.INT64, 2).value("g", DType.BOOL, 2, 3);
            b.op("ArgMax", List.of("x"), List.of("i"), "axis", 1L, "keepdims", 0L);
            b.op("Greater", List.of("x", "zero"), List.of("g"));
            b.output("i", "g");
            Tensor[] out = b.runOn(ort);
            assertArrayEquals(new long[] { 2, 1 }, out[0].toLongArray());
            for (int k = 0; k < 6; k++) {
                assertEquals(data[k] > 0 ? 1 : 0, out[1].getLong(k));
            }
        }
    }

    /** The writer's model loads in ORT on its own, with the segment's names and types, and computes right. */
    @Test
    void modelWriterRoundTrip() throws Exception {
        try (SegmentBuilder b = new SegmentBuilder()) {
            b.input("x", 2, 3);
            b.constant("scale", new float[] { 2, 3, 4 }, 3);
            b.op("Mul", List.of("x", "scale"), "s", new long[] { 2, 3 });
            b.op("LeakyRelu", List.of("s"), "y", new long[] { 2, 3 }, "alpha", 0.5);
            b.op("Transpose", List.of("y"), "t", new long[] { 3, 2 }, "perm", new long[] { 1, 0 });
            b.output("t", "y");
            Segment segment = b.build();
            byte[] model = OnnxModelWriter.write(segment);
            assertArrayEquals(model, OnnxModelWriter.write(segment), "same segment, same bytes");
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            float[][] x = { { 1, -2, 3 }, { -4, 5, -6 } };
            try (OrtSession session = env.createSession(model); OnnxTensor in = OnnxTensor.createTensor(env, x);
                            OrtSession.Result result = session.run(Map.of("x", in))) {
                assertEquals(List.of("x"), List.copyOf(session.getInputInfo().keySet()));
                assertEquals(List.of("t", "y"), List.copyOf(session.getOutputInfo().keySet()));
                NodeInfo t = session.getOutputInfo().get("t");
                assertArrayEquals(new long[] { 3, 2 }, ((TensorInfo) t.getInfo()).getShape());
                float[][] y = (float[][]) result.get("y").get().getValue();
                float[][] tr = (float[][]) result.get("t").get().getValue();
                float[] scale = { 2, 3, 4 };
                for (int r = 0; r < 2; r++) {
                    for (int c = 0; c < 3; c++) {
                        float s = x[r][c] * scale[c];
                        float expected = s >= 0 ? s : 0.5f * s;
                        assertEquals(expected, y[r][c]);
                        assertEquals(expected, tr[c][r]);
                    }
                }
            }
        }
    }

    /** Guards MAX_OPSET: a new ORT version that loads newer opsets should raise it. */
    @Test
    void maxOpsetMatchesOnnxRuntime() throws Exception {
        for (int opset : new int[] { OnnxRuntimeAccelerator.MAX_OPSET, OnnxRuntimeAccelerator.MAX_OPSET + 1 }) {
            try (SegmentBuilder b = new SegmentBuilder().opset(opset)) {
                b.input("x", 4);
                OpView relu = b.op("Relu", List.of("x"), "y", new long[] { 4 });
                b.output("y");
                Segment s = b.build();
                if (opset == OnnxRuntimeAccelerator.MAX_OPSET) {
                    assertTrue(ort.supports(relu).supported());
                    ort.compile(s).close();
                } else {
                    assertFalse(ort.supports(relu).supported());
                    assertThrows(UnsupportedSegmentException.class, () -> ort.compile(s));
                }
            }
        }
    }

    @Test
    void declinesWithReasons() {
        TensorType f = new TensorType(DType.FLOAT, new long[] { 2 });
        TensorType u32 = new TensorType(DType.UINT32, new long[] { 2 });
        OpView ifOp = new OpView("n", "If", "", 13, Map.of(), List.of("c"), List.of("y"), List.of(f), List.of(f), Map.of());
        OpView custom = new OpView("n", "FusedConv", "dev.dnnrun", 1, Map.of(), List.of("x"), List.of("y"), List.of(f), List.of(f),
                        Map.of());
        OpView unsigned = new OpView("n", "Add", "", 13, Map.of(), List.of("a", "b"), List.of("y"), List.of(u32, u32), List.of(u32),
                        Map.of());
        OpView nonZero = new OpView("n", "NonZero", "", 13, Map.of(), List.of("x"), List.of("y"), List.of(f), List.of(f), Map.of());
        assertTrue(ort.supports(ifOp).reason().contains("subgraph"));
        assertTrue(ort.supports(custom).reason().contains("domain 'dev.dnnrun'"));
        assertTrue(ort.supports(unsigned).reason().contains("uint32"));
        assertTrue(ort.supports(nonZero).reason().contains("depends on the data"));
        OpView add = new OpView("n", "Add", "", 13, Map.of(), List.of("a", "b"), List.of("y"), List.of(f, f), List.of(f), Map.of());
        assertTrue(ort.supports(add).supported());
    }

    @Test
    void compileRefusesBadModelsInsteadOfCrashing() {
        // Conv needs rank >= 3; ORT refuses the model at session creation.
        try (SegmentBuilder b = new SegmentBuilder()) {
            b.input("x", 4);
            b.input("w", 4);
            b.op("Conv", List.of("x", "w"), "y", new long[] { 4 });
            b.output("y");
            UnsupportedSegmentException e = assertThrows(UnsupportedSegmentException.class, () -> ort.compile(b.build()));
            assertTrue(e.getMessage().contains("ONNX Runtime refused"), e.getMessage());
        }
    }

    @Test
    void emptyTensors() throws Exception {
        try (SegmentBuilder b = new SegmentBuilder()) {
            b.input("x", 0, 3);
            b.op("Relu", List.of("x"), "y", new long[] { 0, 3 });
            b.output("y");
            assertEquals(0, b.runOn(ort)[0].elementCount());
        }
    }
}
