package dev.dnnrun.accel.backends.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.tck.TypedSegmentBuilder;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

class OnnxRuntimeAcceleratorTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private BufferAllocator allocator;
    private final OnnxRuntimeAccelerator ort = new OnnxRuntimeAccelerator();
    private final Random random = new Random(42);

    @BeforeEach
    void setUp() {
        allocator = new RootAllocator();
    }

    @AfterEach
    void tearDown() {
        allocator.close(); // fails when a test leaked a buffer
    }

    @Test
    void isAvailableHere() {
        assertNull(ort.unavailableReason());
        assertEquals("onnxruntime", ort.name());
    }

    @Test
    void convRelu() throws Exception {
        float[] w = randoms(3 * 2 * 3 * 3);
        float[] b = randoms(3);
        TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 13).value("x", DType.FLOAT, 1, 2, 5, 5)
                        .floatConstant("w", w, 3, 2, 3, 3).floatConstant("b", b, 3)
                        .value("c", DType.FLOAT, 1, 3, 5, 5).value("y", DType.FLOAT, 1, 3, 5, 5)
                        .op("Conv", Map.of("pads", new long[] {1, 1, 1, 1}, "kernel_shape", new long[] {3, 3}),
                                        List.of("x", "w", "b"), List.of("c"))
                        .op("Relu", Map.of(), List.of("c"), List.of("y"));
        float[] x = randoms(2 * 5 * 5);
        float[] y = run(sb.build("y"), x)[0];
        float[] expected = new float[3 * 25];
        for (int oc = 0; oc < 3; oc++) {
            for (int oy = 0; oy < 5; oy++) {
                for (int ox = 0; ox < 5; ox++) {
                    double s = b[oc];
                    for (int ic = 0; ic < 2; ic++) {
                        for (int ky = 0; ky < 3; ky++) {
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = oy + ky - 1, ix = ox + kx - 1;
                                if (iy >= 0 && iy < 5 && ix >= 0 && ix < 5) {
                                    s += x[ic * 25 + iy * 5 + ix] * w[((oc * 2 + ic) * 3 + ky) * 3 + kx];
                                }
                            }
                        }
                    }
                    expected[oc * 25 + oy * 5 + ox] = (float) Math.max(0, s);
                }
            }
        }
        assertArrayEquals(expected, y, 1e-5f);
        sb.closeConstants();
    }

    @Test
    void matMulAdd() throws Exception {
        float[] w = randoms(6 * 5);
        float[] bias = randoms(5);
        TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 17).value("a", DType.FLOAT, 4, 6)
                        .floatConstant("w", w, 6, 5).floatConstant("bias", bias, 5)
                        .value("m", DType.FLOAT, 4, 5).value("y", DType.FLOAT, 4, 5)
                        .op("MatMul", Map.of(), List.of("a", "w"), List.of("m"))
                        .op("Add", Map.of(), List.of("m", "bias"), List.of("y"));
        float[] a = randoms(4 * 6);
        float[] expected = new float[4 * 5];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 5; j++) {
                double s = bias[j];
                for (int k = 0; k < 6; k++) {
                    s += a[i * 6 + k] * w[k * 5 + j];
                }
                expected[i * 5 + j] = (float) s;
            }
        }
        assertArrayEquals(expected, run(sb.build("y"), a)[0], 1e-5f);
        sb.closeConstants();
    }

    @Test
    void softmax() throws Exception {
        TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 13).value("x", DType.FLOAT, 3, 7)
                        .value("y", DType.FLOAT, 3, 7)
                        .op("Softmax", Map.of("axis", -1L), List.of("x"), List.of("y"));
        float[] x = randoms(21);
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
        assertArrayEquals(expected, run(sb.build("y"), x)[0], 1e-6f);
    }

    /** Inputs are wrapped, not copied: new data in the same buffers must show in the next result. */
    @Test
    void reusedBuffersSeeNewData() throws Exception {
        TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 13).value("x", DType.FLOAT, 8).value("y", DType.FLOAT, 8)
                        .op("Neg", Map.of(), List.of("x"), List.of("y"));
        try (CompiledSegment seg = ort.compile(sb.build("y"));
                        Tensor x = Tensor.allocate(allocator, DType.FLOAT, 8);
                        Tensor y = Tensor.allocate(allocator, DType.FLOAT, 8)) {
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 8; i++) {
                    x.segment().setAtIndex(F32, i, i * 10 + round);
                }
                seg.execute(new ArrowBuf[] {x.arrowBuffer()}, new ArrowBuf[] {y.arrowBuffer()});
                for (int i = 0; i < 8; i++) {
                    assertEquals(-(i * 10 + round), y.getFloat(i), 0f);
                }
            }
            assertEquals(3, seg.profile().calls());
        }
    }

    @Test
    void integerAndBoolOutputs() throws Exception {
        TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 13).value("x", DType.FLOAT, 2, 3)
                        .value("i", DType.INT64, 2).value("g", DType.BOOL, 2, 3)
                        .floatConstant("zero", new float[] {0f})
                        .op("ArgMax", Map.of("axis", 1L, "keepdims", 0L), List.of("x"), List.of("i"))
                        .op("Greater", Map.of(), List.of("x", "zero"), List.of("g"));
        Segment s = sb.build("i", "g");
        try (CompiledSegment seg = ort.compile(s);
                        Tensor x = Tensor.allocate(allocator, DType.FLOAT, 2, 3);
                        Tensor i = Tensor.allocate(allocator, DType.INT64, 2);
                        Tensor g = Tensor.allocate(allocator, DType.BOOL, 2, 3)) {
            float[] data = {1, -5, 3, -1, 7, -2};
            for (int k = 0; k < 6; k++) {
                x.segment().setAtIndex(F32, k, data[k]);
            }
            seg.execute(new ArrowBuf[] {x.arrowBuffer()}, new ArrowBuf[] {i.arrowBuffer(), g.arrowBuffer()});
            assertArrayEquals(new long[] {2, 1}, i.toLongArray());
            for (int k = 0; k < 6; k++) {
                assertEquals(data[k] > 0 ? 1 : 0, g.getLong(k));
            }
        }
        sb.closeConstants();
    }

    /** The writer's model loads in ORT on its own, with the segment's names and types, and computes right. */
    @Test
    void modelWriterRoundTrip() throws Exception {
        TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 13).value("x", DType.FLOAT, 2, 3)
                        .floatConstant("scale", new float[] {2, 3, 4}, 3)
                        .value("t", DType.FLOAT, 3, 2).value("s", DType.FLOAT, 2, 3).value("y", DType.FLOAT, 2, 3)
                        .op("Mul", Map.of(), List.of("x", "scale"), List.of("s"))
                        .op("LeakyRelu", Map.of("alpha", 0.5), List.of("s"), List.of("y"))
                        .op("Transpose", Map.of("perm", new long[] {1, 0}), List.of("y"), List.of("t"));
        Segment segment = sb.build("t", "y");
        byte[] model = OnnxModelWriter.write(segment);
        assertArrayEquals(model, OnnxModelWriter.write(segment), "same segment, same bytes");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[][] x = {{1, -2, 3}, {-4, 5, -6}};
        try (OrtSession session = env.createSession(model); OnnxTensor in = OnnxTensor.createTensor(env, x);
                        OrtSession.Result result = session.run(Map.of("x", in))) {
            assertEquals(List.of("x"), List.copyOf(session.getInputInfo().keySet()));
            assertEquals(List.of("t", "y"), List.copyOf(session.getOutputInfo().keySet()));
            NodeInfo t = session.getOutputInfo().get("t");
            assertArrayEquals(new long[] {3, 2}, ((TensorInfo) t.getInfo()).getShape());
            float[][] y = (float[][]) result.get("y").get().getValue();
            float[][] tr = (float[][]) result.get("t").get().getValue();
            float[] scale = {2, 3, 4};
            for (int r = 0; r < 2; r++) {
                for (int c = 0; c < 3; c++) {
                    float s = x[r][c] * scale[c];
                    float expected = s >= 0 ? s : 0.5f * s;
                    assertEquals(expected, y[r][c]);
                    assertEquals(expected, tr[c][r]);
                }
            }
        }
        sb.closeConstants();
    }

    /** Guards MAX_OPSET: a new ORT version that loads newer opsets should raise it. */
    @Test
    void maxOpsetMatchesOnnxRuntime() throws Exception {
        for (int opset : new int[] {OnnxRuntimeAccelerator.MAX_OPSET, OnnxRuntimeAccelerator.MAX_OPSET + 1}) {
            TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, opset).value("x", DType.FLOAT, 4)
                            .value("y", DType.FLOAT, 4).op("Relu", Map.of(), List.of("x"), List.of("y"));
            Segment s = sb.build("y");
            if (opset == OnnxRuntimeAccelerator.MAX_OPSET) {
                assertTrue(ort.supports(s.ops().get(0)).supported());
                ort.compile(s).close();
            } else {
                assertFalse(ort.supports(s.ops().get(0)).supported());
                assertThrows(UnsupportedSegmentException.class, () -> ort.compile(s));
            }
        }
    }

    @Test
    void declinesWithReasons() {
        TensorType f = new TensorType(DType.FLOAT, new long[] {2});
        TensorType u32 = new TensorType(DType.UINT32, new long[] {2});
        OpView ifOp = new OpView("n", "If", "", 13, Map.of(), List.of("c"), List.of("y"), List.of(f), List.of(f), Map.of());
        OpView custom = new OpView("n", "FusedConv", "dev.dnnrun", 1, Map.of(), List.of("x"), List.of("y"), List.of(f),
                        List.of(f), Map.of());
        OpView unsigned = new OpView("n", "Add", "", 13, Map.of(), List.of("a", "b"), List.of("y"), List.of(u32, u32),
                        List.of(u32), Map.of());
        OpView nonZero = new OpView("n", "NonZero", "", 13, Map.of(), List.of("x"), List.of("y"), List.of(f), List.of(f),
                        Map.of());
        assertTrue(ort.supports(ifOp).reason().contains("subgraph"));
        assertTrue(ort.supports(custom).reason().contains("domain 'dev.dnnrun'"));
        assertTrue(ort.supports(unsigned).reason().contains("uint32"));
        assertTrue(ort.supports(nonZero).reason().contains("depends on the data"));
        OpView add = new OpView("n", "Add", "", 13, Map.of(), List.of("a", "b"), List.of("y"), List.of(f, f),
                        List.of(f), Map.of());
        assertTrue(ort.supports(add).supported());
    }

    @Test
    void compileRefusesBadModelsInsteadOfCrashing() {
        // Conv needs rank >= 3; ORT refuses the model at session creation.
        TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 13).value("x", DType.FLOAT, 4).value("w", DType.FLOAT, 4)
                        .value("y", DType.FLOAT, 4).op("Conv", Map.of(), List.of("x", "w"), List.of("y"));
        UnsupportedSegmentException e = assertThrows(UnsupportedSegmentException.class, () -> ort.compile(sb.build("y")));
        assertTrue(e.getMessage().contains("ONNX Runtime refused"), e.getMessage());
    }

    @Test
    void emptyTensors() throws Exception {
        TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 13).value("x", DType.FLOAT, 0, 3).value("y", DType.FLOAT, 0, 3)
                        .op("Relu", Map.of(), List.of("x"), List.of("y"));
        assertEquals(0, run(sb.build("y"), new float[0])[0].length);
    }

    @Test
    void executeChecksBufferSizes() throws Exception {
        TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 13).value("x", DType.FLOAT, 64).value("y", DType.FLOAT, 64)
                        .op("Relu", Map.of(), List.of("x"), List.of("y"));
        try (CompiledSegment seg = ort.compile(sb.build("y"));
                        Tensor small = Tensor.allocate(allocator, DType.FLOAT, 2);
                        Tensor y = Tensor.allocate(allocator, DType.FLOAT, 64)) {
            assertThrows(IllegalArgumentException.class,
                            () -> seg.execute(new ArrowBuf[] {small.arrowBuffer()}, new ArrowBuf[] {y.arrowBuffer()}));
        }
    }

    /** Measured, not asserted: 1024^3 float MatMul through ORT with dnnrun's buffers. */
    @Test
    void matMul1024Timing() throws Exception {
        int n = 1024;
        TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 13).value("a", DType.FLOAT, n, n).value("b", DType.FLOAT, n, n)
                        .value("c", DType.FLOAT, n, n).op("MatMul", Map.of(), List.of("a", "b"), List.of("c"));
        try (CompiledSegment seg = ort.compile(sb.build("c"));
                        Tensor a = Tensor.allocate(allocator, DType.FLOAT, n, n);
                        Tensor b = Tensor.allocate(allocator, DType.FLOAT, n, n);
                        Tensor c = Tensor.allocate(allocator, DType.FLOAT, n, n)) {
            for (long i = 0; i < (long) n * n; i++) {
                a.segment().setAtIndex(F32, i, (i % 7) * 0.25f);
                b.segment().setAtIndex(F32, i, (i % 5) * 0.5f);
            }
            ArrowBuf[] in = {a.arrowBuffer(), b.arrowBuffer()};
            ArrowBuf[] out = {c.arrowBuffer()};
            for (int i = 0; i < 3; i++) {
                seg.execute(in, out);
            }
            int reps = 10;
            long start = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                seg.execute(in, out);
            }
            double ms = (System.nanoTime() - start) / 1e6 / reps;
            System.out.printf("onnxruntime MatMul 1024^3, %d intra-op thread(s): %.2f ms/call, %.1f GFLOP/s%n",
                            Integer.getInteger("dnnrun.onnxruntime.threads", 1), ms, 2.0 * n * n * n / ms / 1e6);
            // one element against a scalar reference, so the timing is of a correct computation
            double s = 0;
            for (int k = 0; k < n; k++) {
                s += a.getFloat(5L * n + k) * b.getFloat((long) k * n + 9);
            }
            assertEquals(s, c.getFloat(5L * n + 9), Math.abs(s) * 1e-5);
        }
    }

    /** Runs a segment with one float input and float outputs, through dnnrun-style Arrow buffers. */
    private float[][] run(Segment segment, float[] input) throws Exception {
        assertEquals(1, segment.inputs().size());
        try (CompiledSegment seg = ort.compile(segment);
                        Tensor x = Tensor.allocate(allocator, DType.FLOAT, segment.inputTypes().get(0).shape())) {
            for (int i = 0; i < input.length; i++) {
                x.segment().setAtIndex(F32, i, input[i]);
            }
            Tensor[] outs = new Tensor[segment.outputs().size()];
            ArrowBuf[] bufs = new ArrowBuf[outs.length];
            for (int i = 0; i < outs.length; i++) {
                outs[i] = Tensor.allocate(allocator, DType.FLOAT, segment.outputTypes().get(i).shape());
                bufs[i] = outs[i].arrowBuffer();
            }
            seg.execute(new ArrowBuf[] {x.arrowBuffer()}, bufs);
            float[][] result = new float[outs.length][];
            for (int i = 0; i < outs.length; i++) {
                result[i] = outs[i].segment().toArray(F32);
                outs[i].close();
            }
            return result;
        }
    }

    private float[] randoms(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextFloat() * 2 - 1;
        }
        return a;
    }
}
