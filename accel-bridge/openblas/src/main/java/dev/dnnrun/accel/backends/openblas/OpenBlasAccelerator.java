package dev.dnnrun.accel.backends.openblas;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.Support;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.support.Gemm;
import dev.dnnrun.accel.support.NativeSegment;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * float32 MatMul and Gemm through OpenBLAS's {@code cblas_sgemm} (Debian {@code libopenblas-dev}), called with
 * {@code java.lang.foreign} on the Arrow buffers' addresses. OpenBLAS runs on {@code dnnrun.openblas.threads}
 * threads (default 1: dnnrun already runs model calls in parallel, and oversubscription hurts more than it helps).
 */
public final class OpenBlasAccelerator implements Accelerator {
    static final String LIBRARY = "libopenblas.so.0";
    private static final int ROW_MAJOR = 101;
    private static final int NO_TRANS = 111;
    private static final int TRANS = 112;

    /** Loaded once per JVM; {@code reason} is non-null when the library is missing. */
    private static final class Lib {
        static final String reason;
        static final MethodHandle sgemm;

        static {
            String why = null;
            MethodHandle gemm = null;
            try {
                SymbolLookup lookup = SymbolLookup.libraryLookup(LIBRARY, Arena.global());
                Linker linker = Linker.nativeLinker();
                var I = ValueLayout.JAVA_INT;
                var F = ValueLayout.JAVA_FLOAT;
                var P = ValueLayout.ADDRESS;
                gemm = linker.downcallHandle(lookup.findOrThrow("cblas_sgemm"),
                                FunctionDescriptor.ofVoid(I, I, I, I, I, I, F, P, I, P, I, F, P, I));
                MethodHandle setThreads = linker.downcallHandle(lookup.findOrThrow("openblas_set_num_threads"),
                                FunctionDescriptor.ofVoid(I));
                int threads = Integer.getInteger("dnnrun.openblas.threads", 1);
                setThreads.invokeExact(threads);
            } catch (IllegalArgumentException e) {
                why = LIBRARY + " not found (install Debian package libopenblas-dev)";
            } catch (Throwable t) {
                why = LIBRARY + " unusable: " + t;
            }
            reason = why;
            sgemm = gemm;
        }
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    public String unavailableReason() {
        try {
            return Lib.reason;
        } catch (Throwable t) {
            return LIBRARY + " unusable: " + t;
        }
    }

    @Override
    public Support supports(OpView op) {
        try {
            GemmShape.of(op, null);
            return Support.yes();
        } catch (UnsupportedSegmentException e) {
            return Support.no(e.getMessage());
        }
    }

    @Override
    public CompiledSegment compile(Segment segment) throws UnsupportedSegmentException {
        if (unavailableReason() != null) {
            throw new UnsupportedSegmentException(unavailableReason());
        }
        return new Compiled(segment);
    }

    /**
     * One MatMul/Gemm as {@code batch} row-major sgemm calls: C[b] = alpha * op(A[b]) * op(B[b]) + beta * C, with
     * C pre-filled from the broadcast bias. Strides are in elements; a stride of 0 reuses the same matrix.
     */
    record GemmShape(int m, int n, int k, boolean transA, boolean transB, float alpha, float beta, long batch,
                    long strideA, long strideB, long[] biasShape) {

        /** Validates {@code op} (with concrete shapes when {@code seg} is given) and derives the call shape. */
        static GemmShape of(OpView op, Segment seg) throws UnsupportedSegmentException {
            String what = op.opType();
            if (!what.equals("MatMul") && !what.equals("Gemm")) {
                throw new UnsupportedSegmentException(what + ": openblas runs only MatMul and Gemm");
            }
            if (!op.domain().isEmpty() && !op.domain().equals("ai.onnx")) {
                throw new UnsupportedSegmentException(what + " of domain " + op.domain());
            }
            int nIn = what.equals("Gemm") ? 3 : 2;
            for (int i = 0; i < op.inputs().size(); i++) {
                TensorType t = op.inputType(i);
                if (op.hasInput(i) && (t == null || t.dtype() != DType.FLOAT)) {
                    throw new UnsupportedSegmentException(what + " with dtype " + (t == null ? "unknown" : t.dtype().displayName)
                                    + ": only float32");
                }
            }
            if (op.inputs().size() < 2 || op.inputs().size() > nIn || !op.hasInput(0) || !op.hasInput(1)) {
                throw new UnsupportedSegmentException(what + " with " + op.inputs().size() + " inputs");
            }
            long[] a = shape(op, 0, seg);
            long[] b = shape(op, 1, seg);
            if (a == null || b == null) {
                throw new UnsupportedSegmentException(what + " with unknown ranks");
            }
            if (what.equals("Gemm")) {
                Gemm g = Gemm.of(op, a, b);
                long[] c = op.hasInput(2) ? shape(op, 2, seg) : null;
                if (c != null && (c.length > 2 || !broadcasts(c, new long[] { g.rows(), g.cols() }))) {
                    throw new UnsupportedSegmentException("Gemm bias " + Arrays.toString(c) + " does not broadcast to ["
                                    + g.rows() + ", " + g.cols() + "]");
                }
                return new GemmShape(toInt(g.rows()), toInt(g.cols()), toInt(g.inner()), g.transA(), g.transB(), g.alpha(),
                                c == null ? 0f : g.beta(), 1, 0, 0, c);
            }
            if (a.length < 2 || b.length < 2) {
                throw new UnsupportedSegmentException("MatMul with a 1-D input");
            }
            long m = a[a.length - 2], k = a[a.length - 1], kb = b[b.length - 2], n = b[b.length - 1];
            if (k >= 0 && kb >= 0 && k != kb) {
                throw new UnsupportedSegmentException("MatMul inner dimensions differ: " + k + " and " + kb);
            }
            long[] batchA = Arrays.copyOf(a, a.length - 2);
            long[] batchB = Arrays.copyOf(b, b.length - 2);
            long[] batchDims = batchA.length >= batchB.length ? batchA : batchB;
            if ((batchA.length > 0 && batchB.length > 0 && !Arrays.equals(batchA, batchB))) {
                throw new UnsupportedSegmentException("MatMul batch dims " + Arrays.toString(batchA) + " and "
                                + Arrays.toString(batchB) + ": only equal batch dims or one 2-D input");
            }
            long batch = 1;
            for (long d : batchDims) {
                batch = d < 0 || batch < 0 ? -1 : batch * d;
            }
            long sa = batchA.length == 0 ? 0 : m * k;
            long sb = batchB.length == 0 ? 0 : k * n;
            if (sb == 0 && batch > 0) {
                // A stack of matrices times one matrix is a single taller product.
                return new GemmShape(toInt(batch * m), toInt(n), toInt(k), false, false, 1f, 0f, 1, 0, 0, null);
            }
            return new GemmShape(toInt(m), toInt(n), toInt(k), false, false, 1f, 0f, batch, sa, sb, null);
        }

        private static long[] shape(OpView op, int i, Segment seg) {
            if (seg != null) {
                TensorType t = seg.typeOf(op.inputs().get(i));
                return t == null ? null : t.shape();
            }
            TensorType t = op.inputType(i);
            return t == null ? null : t.shape();
        }

        private static int toInt(long v) throws UnsupportedSegmentException {
            if (v > Integer.MAX_VALUE) {
                throw new UnsupportedSegmentException("dimension " + v + " exceeds OpenBLAS's 32-bit sizes");
            }
            return (int) v; // -1 (unknown at load time) stays -1
        }

        private static boolean broadcasts(long[] c, long[] to) {
            for (int i = 1; i <= c.length; i++) {
                long d = c[c.length - i], t = to[to.length - i];
                if (d != 1 && d != t && d >= 0 && t >= 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The ops of a segment as sgemm calls over input, output and temporary buffers. */
    private static final class Compiled extends NativeSegment {
        private final Arena arena = Arena.ofShared();
        private final List<Step> steps = new ArrayList<>();
        private final Map<String, Loc> locs = new HashMap<>();

        /** Where a value lives: an execute input or output (by index), or a compile-time buffer. */
        private record Loc(int input, int output, MemorySegment owned, long bytes) {
        }

        private record Step(GemmShape g, Loc a, Loc b, Loc c, Loc y) {
        }

        Compiled(Segment seg) throws UnsupportedSegmentException {
            super(seg);
            for (int i = 0; i < seg.inputs().size(); i++) {
                locs.put(seg.inputs().get(i), new Loc(i, -1, null, inputBytes(i)));
            }
            for (int i = 0; i < seg.outputs().size(); i++) {
                locs.put(seg.outputs().get(i), new Loc(-1, i, null, outputBytes(i)));
            }
            try {
                for (OpView op : seg.ops()) {
                    GemmShape g = GemmShape.of(op, seg);
                    if (g.m() == 0 || g.n() == 0 || g.k() == 0 || g.batch() == 0) {
                        throw new UnsupportedSegmentException(op.describe() + " with an empty operand"); // the CPU path handles it
                    }
                    Loc a = input(seg, op.inputs().get(0));
                    Loc b = input(seg, op.inputs().get(1));
                    Loc c = op.hasInput(2) ? input(seg, op.inputs().get(2)) : null;
                    String out = op.outputs().get(0);
                    TensorType ot = seg.typeOf(out);
                    if (ot == null || ot.dtype() != DType.FLOAT || Tensor.elementCount(ot.shape()) != g.batch() * g.m() * g.n()) {
                        throw new UnsupportedSegmentException(op.describe() + ": output type " + ot + " does not fit");
                    }
                    Loc y = locs.computeIfAbsent(out, v -> owned(Tensor.elementCount(ot.shape()) * 4));
                    check(op, a, g.batch() == 1 ? (long) g.m() * g.k() : Math.max(g.strideA() * g.batch(), (long) g.m() * g.k()));
                    check(op, b, g.batch() == 1 ? (long) g.k() * g.n() : Math.max(g.strideB() * g.batch(), (long) g.k() * g.n()));
                    if (c != null) {
                        check(op, c, Tensor.elementCount(g.biasShape()));
                    }
                    steps.add(new Step(g, a, b, c, y));
                }
            } catch (RuntimeException | UnsupportedSegmentException e) {
                close();
                throw e;
            }
        }

        private Loc owned(long bytes) {
            return new Loc(-1, -1, arena.allocate(Math.max(bytes, 4), 64), bytes);
        }

        private Loc input(Segment seg, String value) throws UnsupportedSegmentException {
            Loc l = locs.get(value);
            if (l != null) {
                return l;
            }
            Tensor c = seg.constants().get(value);
            if (c == null) {
                throw new UnsupportedSegmentException("value '" + value + "' is neither an input, a constant nor computed earlier");
            }
            if (c.dtype() != DType.FLOAT) {
                throw new UnsupportedSegmentException("constant '" + value + "' is " + c.dtype().displayName + ": only float32");
            }
            // Copied: the segment may outlive the graph's initializers.
            Loc copy = owned(c.byteSize());
            if (c.byteSize() > 0) {
                copy.owned().copyFrom(c.segment());
            }
            locs.put(value, copy);
            return copy;
        }

        private static void check(OpView op, Loc l, long elements) throws UnsupportedSegmentException {
            if (l.bytes() < elements * 4) {
                throw new UnsupportedSegmentException(op.describe() + ": an operand has " + l.bytes() + " bytes, needs " + elements * 4);
            }
        }

        @Override
        protected void run(MemorySegment[] in, MemorySegment[] out) {
            for (Step s : steps) {
                GemmShape g = s.g();
                MemorySegment a = at(s.a(), in, out), b = at(s.b(), in, out), y = at(s.y(), in, out);
                if (s.c() != null && g.beta() != 0f) {
                    fillBias(at(s.c(), in, out), g.biasShape(), y, g.m(), g.n());
                }
                int lda = g.transA() ? g.m() : g.k();
                int ldb = g.transB() ? g.k() : g.n();
                for (long i = 0; i < g.batch(); i++) {
                    sgemm(g.transA() ? TRANS : NO_TRANS, g.transB() ? TRANS : NO_TRANS, g.m(), g.n(), g.k(), g.alpha(),
                                    a.asSlice(i * g.strideA() * 4), lda, b.asSlice(i * g.strideB() * 4), ldb,
                                    s.c() == null ? 0f : g.beta(), y.asSlice(i * (long) g.m() * g.n() * 4), g.n());
                }
            }
        }

        private static void sgemm(int ta, int tb, int m, int n, int k, float alpha, MemorySegment a, int lda, MemorySegment b,
                        int ldb, float beta, MemorySegment c, int ldc) {
            try {
                Lib.sgemm.invokeExact(ROW_MAJOR, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            } catch (Throwable t) {
                throw new IllegalStateException("cblas_sgemm failed", t);
            }
        }

        /** Writes the bias broadcast to [m, n] into y, which sgemm then accumulates into with beta. */
        private static void fillBias(MemorySegment c, long[] cs, MemorySegment y, int m, int n) {
            long rows = cs.length == 2 ? cs[0] : 1;
            long cols = cs.length >= 1 ? cs[cs.length - 1] : 1;
            for (int i = 0; i < m; i++) {
                long rowOff = (rows == 1 ? 0 : i) * cols;
                if (cols == n) {
                    MemorySegment.copy(c, rowOff * 4, y, (long) i * n * 4, (long) n * 4);
                } else {
                    float v = c.getAtIndex(ValueLayout.JAVA_FLOAT, rowOff);
                    y.asSlice((long) i * n * 4, (long) n * 4).fill((byte) 0);
                    for (int j = 0; j < n; j++) {
                        y.setAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j, v);
                    }
                }
            }
        }

        private static MemorySegment at(Loc l, MemorySegment[] in, MemorySegment[] out) {
            return l.owned() != null ? l.owned() : l.input() >= 0 ? in[l.input()] : out[l.output()];
        }

        @Override
        protected void release() {
            arena.close();
        }
    }
}
