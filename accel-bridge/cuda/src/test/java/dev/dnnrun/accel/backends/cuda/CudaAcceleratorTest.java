package dev.dnnrun.accel.backends.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.tck.TypedSegmentBuilder;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

class CudaAcceleratorTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
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
        try (BufferAllocator allocator = new RootAllocator()) {
            TypedSegmentBuilder sb = matMulSegment(allocator, 2, 3, 4);
            UnsupportedSegmentException e = assertThrows(UnsupportedSegmentException.class, () -> cuda.compile(sb.build("y")));
            assertEquals(reason, e.getMessage());
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

    /** The real path: runs only where a GPU and cuBLAS exist. */
    @Test
    void matMulThenGemmOnDevice() throws Exception {
        Assumptions.assumeTrue(cuda.unavailableReason() == null, () -> "skipped: " + cuda.unavailableReason());
        int m = 33, k = 17, n = 9, p = 5;
        float[] w = randoms(k * n), w2 = randoms(p * n), bias = randoms(p);
        try (BufferAllocator allocator = new RootAllocator()) {
            TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 13).value("x", DType.FLOAT, m, k)
                            .floatConstant("w", w, k, n).floatConstant("w2", w2, p, n).floatConstant("bias", bias, p)
                            .value("h", DType.FLOAT, m, n).value("y", DType.FLOAT, m, p)
                            .op("MatMul", Map.of(), List.of("x", "w"), List.of("h"))
                            .op("Gemm", Map.of("transB", 1L, "alpha", 0.5, "beta", 2.0), List.of("h", "w2", "bias"),
                                            List.of("y"));
            float[] x = randoms(m * k);
            try (CompiledSegment seg = cuda.compile(sb.build("y", "h"));
                            Tensor xt = Tensor.allocate(allocator, DType.FLOAT, m, k);
                            Tensor yt = Tensor.allocate(allocator, DType.FLOAT, m, p);
                            Tensor ht = Tensor.allocate(allocator, DType.FLOAT, m, n)) {
                xt.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(x));
                for (int round = 0; round < 2; round++) {
                    seg.execute(new ArrowBuf[] {xt.arrowBuffer()}, new ArrowBuf[] {yt.arrowBuffer(), ht.arrowBuffer()});
                }
                float[] h = new float[m * n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        for (int q = 0; q < k; q++) {
                            h[i * n + j] += x[i * k + q] * w[q * n + j];
                        }
                    }
                }
                assertArrayEquals(h, ht.segment().toArray(F32), 1e-4f);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < p; j++) {
                        float s = 0;
                        for (int q = 0; q < n; q++) {
                            s += h[i * n + q] * w2[j * n + q];
                        }
                        assertEquals(0.5f * s + 2f * bias[j], yt.getFloat((long) i * p + j), 1e-4f);
                    }
                }
            }
            sb.closeConstants();
        }
    }

    /** transA, and a C that arrives as a segment input ([M, 1], broadcast on every run); close is idempotent. */
    @Test
    void gemmWithTransposedAAndCFromAnInputOnDevice() throws Exception {
        Assumptions.assumeTrue(cuda.unavailableReason() == null, () -> "skipped: " + cuda.unavailableReason());
        int m = 6, k = 4, n = 3;
        float[] a = randoms(k * m), b = randoms(k * n), c = randoms(m);
        try (BufferAllocator allocator = new RootAllocator()) {
            TypedSegmentBuilder sb = new TypedSegmentBuilder(allocator, 13).value("a", DType.FLOAT, k, m).value("c", DType.FLOAT, m, 1)
                            .floatConstant("b", b, k, n).value("y", DType.FLOAT, m, n)
                            .op("Gemm", Map.of("transA", 1L), List.of("a", "b", "c"), List.of("y"));
            Segment segment = sb.build("y");
            assertEquals(List.of("a", "c"), segment.inputs());
            CompiledSegment seg = cuda.compile(segment);
            try (Tensor at = Tensor.allocate(allocator, DType.FLOAT, k, m); Tensor ct = Tensor.allocate(allocator, DType.FLOAT, m, 1);
                            Tensor yt = Tensor.allocate(allocator, DType.FLOAT, m, n)) {
                at.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(a));
                ct.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(c));
                seg.execute(new ArrowBuf[] {at.arrowBuffer(), ct.arrowBuffer()}, new ArrowBuf[] {yt.arrowBuffer()});
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        float s = c[i];
                        for (int q = 0; q < k; q++) {
                            s += a[q * m + i] * b[q * n + j];
                        }
                        assertEquals(s, yt.getFloat((long) i * n + j), 1e-4f, "y[" + i + "][" + j + "]");
                    }
                }
                seg.close();
                seg.close();
                IllegalStateException e = assertThrows(IllegalStateException.class,
                                () -> seg.execute(new ArrowBuf[] {at.arrowBuffer(), ct.arrowBuffer()}, new ArrowBuf[] {yt.arrowBuffer()}));
                assertEquals("segment closed", e.getMessage());
            } finally {
                seg.close();
                sb.closeConstants();
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

    private static TypedSegmentBuilder matMulSegment(BufferAllocator allocator, int m, int k, int n) {
        return new TypedSegmentBuilder(allocator, 13).value("a", DType.FLOAT, m, k).value("b", DType.FLOAT, k, n)
                        .value("y", DType.FLOAT, m, n).op("MatMul", Map.of(), List.of("a", "b"), List.of("y"));
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
