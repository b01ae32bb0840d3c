package dev.dnnrun.accel.backends.cuda;

import static dev.dnnrun.accel.tck.Reference.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.tck.Hostile;
import dev.dnnrun.accel.tck.Reference;
import dev.dnnrun.accel.tck.Sample;
import dev.dnnrun.accel.tck.SegmentBuilder;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** CUDA beyond the backend contract ({@link CudaContractTest}): registration, reasons, the cuBLAS mapping, bias, libraries. */
class CudaAcceleratorTest {
    private final CudaAccelerator cuda = new CudaAccelerator();
    private final Random random = new Random(7);

    @Test
    void registeredByItsOwnJar() {
        List<String> names = ServiceLoader.load(Accelerator.class).stream().map(p -> p.get().name()).toList();
        assertEquals(List.of("cuda"), names, "the cuda module's services entry names only its own backend");
    }

    /** Without a GPU (or cuBLAS) the backend says why, and compile declines with the same reason. */
    @Test
    void unavailableWithReasonWhereNoGpu() {
        String reason = cuda.unavailableReason();
        System.out.println("cuda: " + (reason == null ? "available, " + Cuda.DEVICE_COUNT + " device(s)" : reason));
        Assumptions.assumeTrue(reason != null, "a CUDA device is present");
        assertTrue(reason.contains("libcudart.so not found") || reason.contains("libcublas.so not found")
                        || reason.contains("no CUDA device"), reason);
        try (SegmentBuilder b = Sample.MATMUL.builder()) {
            UnsupportedSegmentException e = assertThrows(UnsupportedSegmentException.class, () -> cuda.compile(b.build()));
            assertEquals(reason, e.getMessage());
        }
    }

    /** Hostile segments are declined by the checks in Java, before the device (or its absence) matters. */
    @Test
    void hostileSegmentsDeclinedBeforeTheDevice() {
        for (Sample sample : List.of(Sample.MATMUL, Sample.MATMUL_GEMM)) {
            for (Hostile h : Hostile.values()) {
                try (SegmentBuilder b = sample.builder()) {
                    Segment segment = h.apply(b.build());
                    UnsupportedSegmentException e = assertThrows(UnsupportedSegmentException.class, () -> cuda.compile(segment), h.title());
                    assertNotEquals(cuda.unavailableReason(), e.getMessage(), h.title());
                }
            }
        }
    }

    @Test
    void supportsOnly2dFloatMatMulAndGemm() {
        TensorType f2 = new TensorType(DType.FLOAT, new long[] {4, 4});
        TensorType f3 = new TensorType(DType.FLOAT, new long[] {2, 4, 4});
        TensorType d2 = new TensorType(DType.DOUBLE, new long[] {4, 4});
        assertTrue(cuda.supports(op("MatMul", List.of(f2, f2), f2)).supported());
        assertTrue(cuda.supports(op("Gemm", List.of(f2, f2, new TensorType(DType.FLOAT, new long[] {4})), f2)).supported());
        assertTrue(cuda.supports(op("MatMul", List.of(f3, f2), f3)).reason().contains("2-D"));
        assertTrue(cuda.supports(op("MatMul", List.of(d2, d2), d2)).reason().contains("float64"));
        assertFalse(cuda.supports(op("Conv", List.of(f2, f2), f2)).supported());
    }

    /**
     * The row-major to column-major argument mapping, checked against a plain column-major sgemm written from
     * cuBLAS's definition, for every transpose combination and non-square sizes.
     */
    @Test
    void rowMajorMappingMatchesColumnMajorSgemm() {
        int m = 3, n = 5, k = 4;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                float[] a = randoms(m * k), b = randoms(k * n);
                float[] expected = new float[m * n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        float s = 0;
                        for (int p = 0; p < k; p++) {
                            s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                        }
                        expected[i * n + j] = s;
                    }
                }
                GemmCall g = GemmCall.rowMajor(m, n, k, ta, tb);
                float[] y = new float[m * n];
                columnMajorSgemm(g, b, a, y); // the mapping passes b first
                assertArrayEquals(expected, y, 1e-5f, "transA=" + ta + " transB=" + tb);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> GemmCall.rowMajor(1L << 31, 1, 1, false, false));
    }

    @Test
    void biasBroadcast() {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var c = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 1, 2, 3);
            var dst = arena.allocate(2 * 3 * 4);
            CudaSegment.expand(c, new long[] {3}, 2, 3, dst);
            assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, dst.toArray(ValueLayout.JAVA_FLOAT));
            CudaSegment.expand(c, new long[] {2, 1}, 2, 3, dst);
            assertArrayEquals(new float[] {1, 1, 1, 2, 2, 2}, dst.toArray(ValueLayout.JAVA_FLOAT));
            OpView gemm = op("Gemm", List.of(), null);
            assertThrows(IllegalArgumentException.class, () -> CudaSegment.checkBroadcast(gemm, new long[] {4}, 2, 3));
        }
    }

    /** transA, and a C that arrives as a segment input ([M, 1], broadcast on every run). */
    @Test
    void gemmWithTransposedAAndCFromAnInputOnDevice() throws Exception {
        Assumptions.assumeTrue(cuda.unavailableReason() == null, () -> "skipped: " + cuda.unavailableReason());
        int m = 6, k = 4, n = 3;
        try (SegmentBuilder b = new SegmentBuilder()) {
            float[] a = b.input("a", k, m);
            float[] c = b.input("c", m, 1);
            float[] w = b.constant("b", k, n);
            b.op("Gemm", List.of("a", "b", "c"), "y", new long[] { m, n }, "transA", 1L);
            b.output("y");
            Segment segment = b.build();
            assertEquals(List.of("a", "c"), segment.inputs());
            try (CompiledSegment seg = cuda.compile(segment)) {
                Tensor[] out = b.outputTensors();
                seg.execute(b.inputBuffers(), SegmentBuilder.buffers(out));
                assertClose(Reference.gemm(a, w, c, new long[] { m, 1 }, m, k, n, true, false, 1f, 1f), out[0], 1e-4);
            }
        }
    }

    /** Versioned names come first (newest first), then installation directories; the dev symlink is tried last. */
    @Test
    void libraryCandidatesPreferVersionedNames(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.createFile(dir.resolve("libcublas.so.12"));
        List<String> order = Cuda.candidates("libcublas.so", new String[] {"12", "11"}, List.of(dir)).stream()
                        .map(Cuda.Candidate::toString).toList();
        assertEquals(List.of("libcublas.so.12", "libcublas.so.11", dir.resolve("libcublas.so.12").toString(), "libcublas.so"), order);
    }

    /** cuBLAS's sgemm by definition: column-major, C = op(A) * op(B) (alpha 1, beta 0). */
    private static void columnMajorSgemm(GemmCall g, float[] a, float[] b, float[] c) {
        for (int i = 0; i < g.m(); i++) {
            for (int j = 0; j < g.n(); j++) {
                float s = 0;
                for (int p = 0; p < g.k(); p++) {
                    float av = g.opFirst() == Cuda.CUBLAS_OP_N ? a[i + p * g.ldFirst()] : a[p + i * g.ldFirst()];
                    float bv = g.opSecond() == Cuda.CUBLAS_OP_N ? b[p + j * g.ldSecond()] : b[j + p * g.ldSecond()];
                    s += av * bv;
                }
                c[i + j * g.ldc()] = s;
            }
        }
    }

    private static OpView op(String type, List<TensorType> in, TensorType out) {
        List<String> names = in.stream().map(t -> "v" + in.indexOf(t)).toList();
        return new OpView("n", type, "", 13, Map.of(), names, List.of("y"), in, out == null ? List.of() : List.of(out),
                        Map.of());
    }

    private float[] randoms(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextFloat() * 2 - 1;
        }
        return a;
    }
}
