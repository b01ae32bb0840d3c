package dev.dnnrun.accel.backends.openblas;

import static dev.dnnrun.accel.tck.Reference.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

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

/** OpenBLAS beyond the backend contract ({@link OpenBlasContractTest}): batching, bias broadcasts, temporaries, reasons. */
class OpenBlasAcceleratorTest {
    private static final OpenBlasAccelerator ACC = new OpenBlasAccelerator();

    @BeforeAll
    static void needsLibrary() {
        Assumptions.assumeTrue(ACC.unavailableReason() == null, () -> "skipped: " + ACC.unavailableReason());
    }

    @Test
    void matmulBatchedAndStackTimesMatrix() throws Exception {
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] a = b.input("a", 2, 3, 4, 5);
            float[] w = b.input("w", 2, 3, 5, 6);
            b.op("MatMul", List.of("a", "w"), "y", new long[] { 2, 3, 4, 6 });
            b.output("y");
            assertClose(Reference.matmul(a, w, 6, 4, 5, 6, 20, 30), b.runOn(ACC)[0], 1e-4);
        }
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] a = b.input("a", 3, 4, 5);
            float[] w = b.input("w", 5, 6);
            b.op("MatMul", List.of("a", "w"), "y", new long[] { 3, 4, 6 });
            b.output("y");
            assertClose(Reference.matmul(a, w, 3, 4, 5, 6, 20, 0), b.runOn(ACC)[0], 1e-4);
        }
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] a = b.input("a", 4, 5);
            float[] w = b.input("w", 3, 5, 6);
            b.op("MatMul", List.of("a", "w"), "y", new long[] { 3, 4, 6 });
            b.output("y");
            assertClose(Reference.matmul(a, w, 3, 4, 5, 6, 0, 30), b.runOn(ACC)[0], 1e-4);
        }
    }

    @Test
    void gemmTransposesScalesAndBroadcastsBias() throws Exception {
        long[][] biasShapes = { {}, { 7 }, { 1, 7 }, { 5, 1 }, { 5, 7 } };
        for (long[] cs : biasShapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                try (SegmentBuilder b = new SegmentBuilder()) {
                    float[] a = b.input("a", ta ? new long[] { 3, 5 } : new long[] { 5, 3 });
                    float[] w = b.input("w", tb ? new long[] { 7, 3 } : new long[] { 3, 7 });
                    float[] c = b.constant("c", cs);
                    b.op("Gemm", List.of("a", "w", "c"), "y", new long[] { 5, 7 }, "transA", ta ? 1L : 0L, "transB", tb ? 1L : 0L,
                                    "alpha", 0.5, "beta", 2.0);
                    b.output("y");
                    assertClose(Reference.gemm(a, w, c, cs, 5, 3, 7, ta, tb, 0.5f, 2f), b.runOn(ACC)[0], 1e-4);
                }
            }
        }
    }

    @Test
    void chainedOpsUseTemporaries() throws Exception {
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] a = b.input("a", 4, 8);
            float[] w1 = b.constant("w1", 8, 16);
            float[] w2 = b.constant("w2", 16, 3);
            float[] c = b.constant("c", 3);
            b.op("MatMul", List.of("a", "w1"), "h", new long[] { 4, 16 });
            b.op("Gemm", List.of("h", "w2", "c"), "y", new long[] { 4, 3 });
            b.output("y");
            float[] h = Reference.matmul(a, w1, 1, 4, 8, 16, 0, 0);
            assertClose(Reference.gemm(h, w2, c, new long[] { 3 }, 4, 16, 3, false, false, 1f, 1f), b.runOn(ACC)[0], 1e-4);
        }
    }

    @Test
    void declinesWithReasons() {
        OpView f64 = new OpView("m", "MatMul", "", 13, java.util.Map.of(), List.of("a", "b"), List.of("y"),
                        List.of(new TensorType(DType.DOUBLE, new long[] { 2, 2 }), new TensorType(DType.DOUBLE, new long[] { 2, 2 })),
                        List.of(new TensorType(DType.DOUBLE, new long[] { 2, 2 })), java.util.Map.of());
        Support s = ACC.supports(f64);
        assertFalse(s.supported());
        assertEquals("MatMul with dtype float64: only float32", s.reason());
        OpView conv = new OpView("c", "Conv", "", 13, java.util.Map.of(), List.of("a"), List.of("y"), List.of(), List.of(), java.util.Map.of());
        assertFalse(ACC.supports(conv).supported());
        try (SegmentBuilder b = new SegmentBuilder()) {
            b.input("a", 4, 5);
            b.input("w", 6, 7);
            OpView bad = b.op("MatMul", List.of("a", "w"), "y", new long[] { 4, 7 });
            b.output("y");
            assertEquals("MatMul inner dimensions differ: 5 and 6", ACC.supports(bad).reason());
            assertThrows(UnsupportedSegmentException.class, () -> ACC.compile(b.build()));
        }
    }
}
