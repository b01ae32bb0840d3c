package dev.dnnrun.accel.backends.onednn;

import static dev.dnnrun.accel.tck.Reference.assertClose;
import static dev.dnnrun.accel.tck.Reference.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.tck.Reference;
import dev.dnnrun.accel.tck.SegmentBuilder;
import dev.dnnrun.tensor.Tensor;

/**
 * How the oneDNN backend plans a segment, beyond single operators ({@link OneDnnAcceleratorTest}): post-op fusion,
 * the layouts values keep between primitives and where they are reordered, and the reuse of intermediate buffers.
 */
class OneDnnSegmentPlanTest {
    private static final OneDnnAccelerator ACC = new OneDnnAccelerator();

    @BeforeAll
    static void needsLibrary() {
        Assumptions.assumeTrue(ACC.unavailableReason() == null, () -> "skipped: " + ACC.unavailableReason());
    }

    @Test
    void convAddReluFusedWithResidual() throws Exception {
        long[] xs = { 1, 8, 6, 6 }, ws = { 8, 8, 3, 3 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            float[] w = b.constant("w", ws);
            float[] bias = b.constant("b", 8);
            float[] r = b.input("r", xs);
            b.op("Conv", List.of("x", "w", "b"), "c", xs, "pads", new long[] { 1, 1, 1, 1 });
            b.op("Add", List.of("r", "c"), "s", xs);
            b.op("Relu", List.of("s"), "y", xs);
            b.output("y");
            float[] conv = Reference.conv(x, xs, w, ws, bias, 1, new int[] { 1, 1 }, new int[] { 1, 1 }, new int[] { 1, 1 }, xs);
            float[] ref = new float[conv.length];
            for (int i = 0; i < ref.length; i++) {
                ref[i] = Math.max(0, conv[i] + r[i]);
            }
            try (OneDnnSegment c = (OneDnnSegment) ACC.compile(b.build())) {
                assertEquals(1, c.primitiveCount(), "Conv, Add and Relu run as one primitive");
                Tensor[] out = b.outputTensors();
                c.execute(b.inputBuffers(), SegmentBuilder.buffers(out));
                assertClose(ref, out[0], 1e-4);
            }
        }
    }

    @Test
    void residualSumOfTwoConvsFusesIntoTheFirstConv() throws Exception {
        // ResNet's downsampling block: Sum(main Conv, shortcut Conv) -> Relu. The shortcut Conv comes first, takes the
        // Sum and Relu as post-ops; the main Conv must then run on its own (not fuse the same Sum a second time).
        long[] xs = { 1, 4, 6, 6 }, w1s = { 8, 4, 1, 1 }, w3s = { 8, 4, 3, 3 }, ys = { 1, 8, 6, 6 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            float[] w1 = b.constant("w1", w1s);
            float[] w3 = b.constant("w3", w3s);
            b.op("Conv", List.of("x", "w1"), "shortcut", ys);
            b.op("Conv", List.of("x", "w3"), "main", ys, "pads", new long[] { 1, 1, 1, 1 });
            b.op("Sum", 13, List.of("main", "shortcut"), "s", ys);
            b.op("Relu", List.of("s"), "y", ys);
            b.output("y");
            float[] a = Reference.conv(x, xs, w1, w1s, null, 1, new int[] { 1, 1 }, new int[] { 0, 0 }, new int[] { 1, 1 }, ys);
            float[] m = Reference.conv(x, xs, w3, w3s, null, 1, new int[] { 1, 1 }, new int[] { 1, 1 }, new int[] { 1, 1 }, ys);
            float[] ref = new float[a.length];
            for (int i = 0; i < ref.length; i++) {
                ref[i] = Math.max(0, a[i] + m[i]);
            }
            try (OneDnnSegment c = (OneDnnSegment) ACC.compile(b.build())) {
                assertEquals(2, c.primitiveCount(), "shortcut Conv+Sum+Relu, main Conv");
                Tensor[] out = b.outputTensors();
                c.execute(b.inputBuffers(), SegmentBuilder.buffers(out));
                assertClose(ref, out[0], 1e-4);
            }
        }
    }

    @Test
    void intermediateBuffersAreReusedOnceDead() throws Exception {
        // x -> Sigmoid -> Tanh -> Abs -> Sqrt -> y: three intermediates, at most two alive at once.
        long[] xs = { 1, 4, 8, 8 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            b.op("Sigmoid", List.of("x"), "a", xs);
            b.op("Tanh", List.of("a"), "t", xs);
            b.op("Abs", List.of("t"), "c", xs);
            b.op("Sqrt", List.of("c"), "y", xs);
            b.output("y");
            float[] ref = map(x, v -> Math.sqrt(Math.abs(Math.tanh(1 / (1 + Math.exp(-v))))));
            try (OneDnnSegment c = (OneDnnSegment) ACC.compile(b.build())) {
                assertEquals(4, c.primitiveCount());
                assertEquals(2 * 4 * 8 * 8 * 4, c.scratchBytes, "two pooled buffers serve three intermediates");
                Tensor[] out = b.outputTensors();
                c.execute(b.inputBuffers(), SegmentBuilder.buffers(out));
                assertClose(ref, out[0], 1e-5);
            }
        }
    }

    @Test
    void residualSumAccumulatesInPlaceOnlyWhenTheAddendIsNotReadByTheConv() throws Exception {
        long[] xs = { 1, 8, 6, 6 }, ws = { 8, 8, 3, 3 };
        long[] pads = { 1, 1, 1, 1 };
        for (boolean convReadsAddend : new boolean[] { false, true }) {
            try (SegmentBuilder b = new SegmentBuilder()) {
                float[] x = b.input("x", xs);
                float[] w = b.constant("w", ws);
                // r = Relu(x); y = Relu(Conv(x or r) + r) with Conv+Add+Relu fused.
                b.op("Relu", List.of("x"), "r", xs);
                b.op("Conv", List.of(convReadsAddend ? "r" : "x", "w"), "c", xs, "pads", pads);
                b.op("Add", List.of("c", "r"), "s", xs);
                b.op("Relu", List.of("s"), "t", xs);
                b.op("MaxPool", List.of("t"), "y", xs, "kernel_shape", new long[] { 1, 1 }); // not fusable: keeps t internal
                b.output("y");
                float[] r = map(x, v -> Math.max(0, v));
                float[] conv = Reference.conv(convReadsAddend ? r : x, xs, w, ws, null, 1, new int[] { 1, 1 }, new int[] { 1, 1 },
                                new int[] { 1, 1 }, xs);
                float[] ref = new float[conv.length];
                for (int i = 0; i < ref.length; i++) {
                    ref[i] = Math.max(0, conv[i] + r[i]);
                }
                try (OneDnnSegment c = (OneDnnSegment) ACC.compile(b.build())) {
                    assertEquals(3, c.primitiveCount(), "Relu, Conv+Add+Relu, MaxPool");
                    // In place, the Conv's destination takes over r's buffer; a Conv reading r must not overwrite it.
                    assertEquals(convReadsAddend ? 0 : 1, c.inPlaceSums);
                    Tensor[] out = b.outputTensors();
                    c.execute(b.inputBuffers(), SegmentBuilder.buffers(out));
                    c.execute(b.inputBuffers(), SegmentBuilder.buffers(out)); // repeatable: nothing stale in the pool
                    assertClose(ref, out[0], 1e-4);
                }
            }
        }
    }

    @Test
    void convChainRunsInTheLayoutsOneDnnChoseAndReordersOnlyAtItsEdges() throws Exception {
        // x -> Conv3x3+Relu -> Conv1x1 -> MaxPool -> Sigmoid -> y. oneDNN picks blocked layouts for 16-channel convs
        // (AVX2/AVX-512 machines): weights are reordered once at compile, activations stay blocked inside the chain,
        // and only the row-major input and output are reordered at run time.
        long[] xs = { 1, 16, 8, 8 }, w1s = { 16, 16, 3, 3 }, w2s = { 16, 16, 1, 1 }, ps = { 1, 16, 4, 4 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            float[] w1 = b.constant("w1", w1s);
            float[] w2 = b.constant("w2", w2s);
            b.op("Conv", List.of("x", "w1"), "c1", xs, "pads", new long[] { 1, 1, 1, 1 });
            b.op("Relu", List.of("c1"), "r", xs);
            b.op("Conv", List.of("r", "w2"), "c2", xs);
            b.op("MaxPool", List.of("c2"), "p", ps, "kernel_shape", new long[] { 2, 2 }, "strides", new long[] { 2, 2 });
            b.op("Sigmoid", List.of("p"), "y", ps);
            b.output("y");
            int[] one = { 1, 1 };
            float[] r = map(Reference.conv(x, xs, w1, w1s, null, 1, one, one, one, xs), v -> Math.max(0, v));
            float[] c2 = Reference.conv(r, xs, w2, w2s, null, 1, one, new int[2], one, xs);
            float[] ref = map(Reference.pool(c2, xs, true, new int[] { 2, 2 }, new int[] { 2, 2 }, new int[4], false, ps),
                            v -> 1 / (1 + Math.exp(-v)));
            try (OneDnnSegment c = (OneDnnSegment) ACC.compile(b.build())) {
                assertEquals(4, c.primitiveCount(), "Conv+Relu, Conv, MaxPool, Sigmoid");
                assertEquals(2, c.constantReorders, "both weights reordered into a blocked layout at compile");
                assertTrue(c.reorderSteps <= 2, "at most the input and the output are reordered, not " + c.reorderSteps);
                Tensor[] out = b.outputTensors();
                c.execute(b.inputBuffers(), SegmentBuilder.buffers(out));
                assertClose(ref, out[0], 1e-4);
            }
        }
    }

    @Test
    void blockedValueReadByMatMulAndByTwoConsumersIsReorderedOnce() throws Exception {
        // c (blocked, from a Conv) feeds a MatMul, which views it row-major, and a Relu that is a segment output.
        long[] xs = { 1, 16, 4, 4 }, ws = { 16, 16, 1, 1 }, bs = { 4, 3 }, ys = { 1, 16, 4, 3 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            float[] w = b.constant("w", ws);
            float[] m = b.constant("m", bs);
            b.op("Conv", List.of("x", "w"), "c", xs);
            b.op("MatMul", List.of("c", "m"), "y", ys);
            b.op("Abs", List.of("c"), "z", xs);
            b.output("y");
            b.output("z");
            int[] one = { 1, 1 };
            float[] conv = Reference.conv(x, xs, w, ws, null, 1, one, new int[2], one, xs);
            float[] ref = Reference.matmul(conv, m, 16, 4, 4, 3, 16, 0);
            try (OneDnnSegment c = (OneDnnSegment) ACC.compile(b.build())) {
                Tensor[] out = b.outputTensors();
                c.execute(b.inputBuffers(), SegmentBuilder.buffers(out));
                assertClose(ref, out[0], 1e-4);
                assertClose(map(conv, Math::abs), out[1], 1e-4);
                assertTrue(c.reorderSteps <= 3, "input, row-major copy of c (shared), Abs to its output: " + c.reorderSteps);
            }
        }
    }

    @Test
    void concatOfBlockedConvOutputsThenGlobalPoolAndSoftmax() throws Exception {
        // SqueezeNet's fire module and head: Concat(Conv1x1, Conv3x3) -> GlobalAveragePool -> Softmax (opset 11:
        // the flattened [1, 32] is one axis because the trailing dims are 1).
        long[] xs = { 1, 8, 5, 5 }, w1s = { 16, 8, 1, 1 }, w3s = { 16, 8, 3, 3 }, cs = { 1, 16, 5, 5 }, ks = { 1, 32, 5, 5 };
        long[] gs = { 1, 32, 1, 1 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            float[] w1 = b.constant("w1", w1s);
            float[] w3 = b.constant("w3", w3s);
            b.op("Conv", List.of("x", "w1"), "a", cs);
            b.op("Conv", List.of("x", "w3"), "c", cs, "pads", new long[] { 1, 1, 1, 1 });
            b.op("Concat", List.of("a", "c"), "k", ks, "axis", 1L);
            b.op("GlobalAveragePool", List.of("k"), "g", gs);
            b.op("Softmax", 11, List.of("g"), "y", gs, "axis", 1L);
            b.output("y");
            int[] one = { 1, 1 };
            float[] a = Reference.conv(x, xs, w1, w1s, null, 1, one, new int[2], one, cs);
            float[] c = Reference.conv(x, xs, w3, w3s, null, 1, one, one, one, cs);
            double[] mean = new double[32];
            for (int i = 0; i < 16 * 25; i++) {
                mean[i / 25] += a[i] / 25.0;
                mean[16 + i / 25] += c[i] / 25.0;
            }
            double sum = 0;
            for (double m : mean) {
                sum += Math.exp(m);
            }
            float[] ref = new float[32];
            for (int i = 0; i < 32; i++) {
                ref[i] = (float) (Math.exp(mean[i]) / sum);
            }
            try (OneDnnSegment seg = (OneDnnSegment) ACC.compile(b.build())) {
                assertEquals(5, seg.primitiveCount());
                Tensor[] out = b.outputTensors();
                seg.execute(b.inputBuffers(), SegmentBuilder.buffers(out));
                assertClose(ref, out[0], 1e-5);
            }
        }
    }

    @Test
    void reshapeOfABlockedValueFeedsGemm() throws Exception {
        // ResNet's head: GlobalAveragePool (blocked) -> Reshape [1, 16] -> Gemm with transposed constant weights.
        long[] xs = { 1, 16, 3, 3 }, gs = { 1, 16, 1, 1 }, fs = { 1, 16 }, ws = { 5, 16 }, ys = { 1, 5 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            float[] w = b.constant("w", ws);
            b.constantLongs("shape", new long[] { 1, 16 });
            b.op("Relu", List.of("x"), "r", xs);
            b.op("GlobalAveragePool", List.of("r"), "g", gs);
            b.op("Reshape", List.of("g", "shape"), "f", fs);
            b.op("Gemm", List.of("f", "w"), "y", ys, "transB", 1L);
            b.output("y");
            float[] mean = new float[16];
            for (int i = 0; i < x.length; i++) {
                mean[i / 9] += Math.max(0, x[i]) / 9f;
            }
            float[] ref = new float[5];
            for (int j = 0; j < 5; j++) {
                for (int k = 0; k < 16; k++) {
                    ref[j] += mean[k] * w[j * 16 + k];
                }
            }
            assertClose(ref, b.runOn(ACC)[0], 1e-5);
            OpView computed = b.op("Reshape", List.of("g", "x"), "h", fs);
            assertEquals("Reshape with a computed shape input", ACC.supports(computed).reason());
        }
    }

    @Test
    void convReluThenPoolChainUsesIntermediates() throws Exception {
        long[] xs = { 1, 2, 8, 8 }, ws = { 4, 2, 1, 1 }, cs = { 1, 4, 8, 8 }, ps = { 1, 4, 4, 4 };
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] x = b.input("x", xs);
            float[] w = b.constant("w", ws);
            b.op("Conv", List.of("x", "w"), "c", cs);
            b.op("Relu", List.of("c"), "r", cs);
            b.op("MaxPool", List.of("r"), "y", ps, "kernel_shape", new long[] { 2, 2 }, "strides", new long[] { 2, 2 });
            b.output("y");
            float[] r = map(Reference.conv(x, xs, w, ws, null, 1, new int[] { 1, 1 }, new int[] { 0, 0 }, new int[] { 1, 1 }, cs), v -> Math.max(0, v));
            try (OneDnnSegment c = (OneDnnSegment) ACC.compile(b.build())) {
                assertEquals(2, c.primitiveCount(), "Conv+Relu fused, then MaxPool");
            }
            assertClose(Reference.pool(r, cs, true, new int[] { 2, 2 }, new int[] { 2, 2 }, new int[4], false, ps), b.runOn(ACC)[0], 1e-4);
        }
    }
}
