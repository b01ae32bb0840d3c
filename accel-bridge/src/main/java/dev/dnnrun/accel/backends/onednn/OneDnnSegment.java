package dev.dnnrun.accel.backends.onednn;

import static dev.dnnrun.accel.backends.onednn.Dnnl.call;
import static dev.dnnrun.accel.backends.onednn.Dnnl.create;
import static dev.dnnrun.accel.backends.onednn.Dnnl.dims;
import static dev.dnnrun.accel.backends.onednn.Dnnl.rowMajor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.arrow.memory.ArrowBuf;

import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.backends.onednn.OneDnnAccelerator.Window;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * A segment as a list of oneDNN primitives on one in-order CPU stream. Every use of a value is a dnnl memory: over
 * the Arrow buffer (its data handle set at each execute) for segment inputs and outputs, over compile-time memory
 * for constants and intermediate values. Intermediate values share a pool of buffers by liveness (a buffer is
 * reused once the last primitive reading its value ran), so the working set stays small enough to live in cache.
 */
final class OneDnnSegment implements CompiledSegment {
    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> memories = new ArrayList<>();
    private final List<MemorySegment> primitiveDescs = new ArrayList<>();
    private final List<MemorySegment> primitives = new ArrayList<>();
    private final Map<String, Val> vals = new HashMap<>();
    private final List<Step> steps = new ArrayList<>();
    /** Per step, parallel to {@link #steps}: which values it writes and reads (for buffer liveness). */
    private final List<Use> uses = new ArrayList<>();
    /** Values given a dnnl memory since the last step was added: the reads (and the destination) of the next step. */
    private final List<String> pendingUses = new ArrayList<>();
    private long scratchBytes;
    private int inPlaceSums;
    private final Segment seg;
    private final long[] inputBytes;
    private final long[] outputBytes;
    private final List<List<MemorySegment>> inputMems = new ArrayList<>();
    private final List<List<MemorySegment>> outputMems = new ArrayList<>();
    private MemorySegment engine = MemorySegment.NULL;
    private MemorySegment stream = MemorySegment.NULL;
    private long calls;
    private long nanos;

    /**
     * A value: segment input or output (by index), a constant in compile-time memory, or an intermediate value
     * ({@code internal}) whose buffer is assigned from the pool after all primitives exist.
     */
    private static final class Val {
        final int input;
        final int output;
        final boolean internal;
        final long[] shape;
        /** The dnnl memories over an intermediate value, pointed at its buffer once it is assigned. */
        final List<MemorySegment> mems = new ArrayList<>();
        MemorySegment owned;

        Val(int input, int output, boolean internal, MemorySegment owned, long[] shape) {
            this.input = input;
            this.output = output;
            this.internal = internal;
            this.owned = owned;
            this.shape = shape;
        }

        long bytes() {
            return Tensor.elementCount(shape) * 4;
        }
    }

    /** The values one step writes ({@code dst}) and reads; {@code addend} is its sum post-op's addend, or null. */
    private record Use(String dst, List<String> reads, String addend) {
    }

    /** One primitive execution; {@code copyFrom} is copied into {@code copyTo} first (the sum post-op's addend). */
    private record Step(MemorySegment primitive, MemorySegment args, int nargs, Val copyFrom, Val copyTo) {
    }

    /** A post-op fused into a Conv/MatMul/Gemm: eltwise (alg, alpha, beta) or sum with {@code addend}. */
    private record PostOp(int alg, float alpha, float beta, String addend) {
    }

    OneDnnSegment(Segment seg) throws UnsupportedSegmentException {
        this.seg = seg;
        try {
            inputBytes = bytes(seg.inputTypes(), "input");
            outputBytes = bytes(seg.outputTypes(), "output");
            for (int i = 0; i < seg.inputs().size(); i++) {
                vals.put(seg.inputs().get(i), new Val(i, -1, false, null, seg.inputTypes().get(i).shape()));
                inputMems.add(new ArrayList<>());
            }
            for (int i = 0; i < seg.outputs().size(); i++) {
                vals.put(seg.outputs().get(i), new Val(-1, i, false, null, seg.outputTypes().get(i).shape()));
                outputMems.add(new ArrayList<>());
            }
            Dnnl.applyThreads(); // oneDNN sizes its kernels for the thread count at primitive creation
            engine = create(arena, "dnnl_engine_create", Dnnl.CPU, 0L);
            stream = create(arena, "dnnl_stream_create", engine, Dnnl.STREAM_DEFAULT);
            build();
            assignBuffers();
        } catch (UnsupportedSegmentException | RuntimeException e) {
            close();
            throw e instanceof UnsupportedSegmentException u ? u : new UnsupportedSegmentException(e.getMessage(), e);
        }
    }

    private static long[] bytes(List<TensorType> types, String what) throws UnsupportedSegmentException {
        long[] r = new long[types.size()];
        for (int i = 0; i < r.length; i++) {
            TensorType t = types.get(i);
            if (t == null || !t.isStatic() || t.dtype() != DType.FLOAT) {
                throw OneDnnAccelerator.no("segment " + what + " " + i + " has type " + t + ": only static float32");
            }
            r[i] = Tensor.elementCount(t.shape()) * 4;
        }
        return r;
    }

    private long[] shape(String value) throws UnsupportedSegmentException {
        TensorType t = seg.typeOf(value);
        if (t == null || !t.isStatic()) {
            throw OneDnnAccelerator.no("value '" + value + "' has no static type");
        }
        if (Tensor.elementCount(t.shape()) == 0) {
            throw OneDnnAccelerator.no("value '" + value + "' is empty");
        }
        return t.shape();
    }

    // ---- Building -------------------------------------------------------------------------------------------

    private void build() throws UnsupportedSegmentException {
        List<OpView> ops = seg.ops();
        Map<String, List<Integer>> consumers = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            for (String v : ops.get(i).inputs()) {
                consumers.computeIfAbsent(v, k -> new ArrayList<>()).add(i);
            }
        }
        Set<String> outputs = new HashSet<>(seg.outputs());
        Set<Integer> fused = new HashSet<>();
        Map<Integer, Runnable> deferred = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            OpView op = ops.get(i);
            long[][] in = new long[op.inputs().size()][];
            for (int j = 0; j < in.length; j++) {
                in[j] = op.hasInput(j) ? shape(op.inputs().get(j)) : null;
            }
            if (!fused.contains(i)) {
                OneDnnAccelerator.check(op, in, shape(op.outputs().get(0)));
            }
            if (fused.contains(i)) {
                // Part of a chain emitted at its last op.
            } else if (op.opType().equals("Conv") || op.opType().equals("MatMul") || op.opType().equals("Gemm")) {
                // Follow single-consumer eltwise / same-shape Add ops and fuse them as post-ops. A residual Add of
                // two Convs is taken by the first Conv; the second must not fuse it again.
                List<PostOp> post = new ArrayList<>();
                String last = op.outputs().get(0);
                int lastOp = i;
                String biasAdd = null;
                while (!outputs.contains(last) && consumers.getOrDefault(last, List.of()).size() == 1
                                && !fused.contains(consumers.get(last).get(0))) {
                    int k = consumers.get(last).get(0);
                    OpView next = ops.get(k);
                    PostOp p = postOp(next, last, op, post.isEmpty() && biasAdd == null);
                    if (p == null) {
                        break;
                    }
                    if (p.alg() == -2) {
                        biasAdd = p.addend();
                    } else {
                        post.add(p);
                    }
                    fused.add(k);
                    last = next.outputs().get(0);
                    lastOp = k;
                }
                String dst = last;
                String bias = biasAdd;
                if (lastOp == i) {
                    emitMain(op, post, dst, bias);
                } else {
                    deferred.put(lastOp, () -> {
                        try {
                            emitMain(op, post, dst, bias);
                        } catch (UnsupportedSegmentException e) {
                            throw new IllegalStateException(e.getMessage(), e);
                        }
                    });
                }
            } else {
                emitSimple(op, in);
            }
            Runnable r = deferred.remove(i);
            if (r != null) {
                r.run();
            }
        }
    }

    /**
     * The post-op for {@code next} reading {@code value} after {@code main}, or null when it cannot be fused. An Add
     * whose other side broadcasts to MatMul/Gemm's rows becomes the bias (alg -2) when nothing precedes it.
     */
    private PostOp postOp(OpView next, String value, OpView main, boolean first) throws UnsupportedSegmentException {
        long[] outShape = shape(value);
        for (int i = 0; i < next.inputs().size(); i++) {
            TensorType t = next.inputType(i);
            if (next.hasInput(i) && (t == null || t.dtype() != DType.FLOAT)) {
                return null;
            }
        }
        if (!next.domain().isEmpty() && !next.domain().equals("ai.onnx")) {
            return null;
        }
        switch (next.opType()) {
            case "Add", "Sum" -> {
                if (next.inputs().size() != 2 || next.inputs().get(0).equals(next.inputs().get(1))) {
                    return null;
                }
                String other = next.inputs().get(next.inputs().get(0).equals(value) ? 1 : 0);
                long[] os = shape(other);
                if (java.util.Arrays.equals(os, outShape)) {
                    return new PostOp(-1, 0, 0, other);
                }
                // Only where no output scale (Gemm alpha) could apply before or after the bias.
                boolean mm = main.opType().equals("MatMul")
                                || (main.opType().equals("Gemm") && !main.hasInput(2) && main.floatAttr("alpha", 1) == 1);
                if (first && mm && OneDnnAccelerator.broadcastsTo(os, outShape)) {
                    return new PostOp(-2, 0, 0, other);
                }
                return null;
            }
            default -> {
                if (!OneDnnAccelerator.ELTWISE.contains(next.opType())) {
                    return null;
                }
                float[] e = eltwise(next);
                return new PostOp((int) e[0], e[1], e[2], null);
            }
        }
    }

    /** {alg, alpha, beta} of an eltwise op. */
    private static float[] eltwise(OpView op) throws UnsupportedSegmentException {
        return switch (op.opType()) {
            case "Relu" -> new float[] { Dnnl.ELTWISE_RELU, 0, 0 };
            case "LeakyRelu" -> new float[] { Dnnl.ELTWISE_RELU, (float) op.floatAttr("alpha", 0.01), 0 };
            case "Sigmoid" -> new float[] { Dnnl.ELTWISE_LOGISTIC, 0, 0 };
            case "Tanh" -> new float[] { Dnnl.ELTWISE_TANH, 0, 0 };
            case "Exp" -> new float[] { Dnnl.ELTWISE_EXP, 0, 0 };
            case "Sqrt" -> new float[] { Dnnl.ELTWISE_SQRT, 0, 0 };
            case "Abs" -> new float[] { Dnnl.ELTWISE_ABS, 0, 0 };
            case "Clip" -> {
                float[] b = OneDnnAccelerator.clipBounds(op);
                yield new float[] { Dnnl.ELTWISE_CLIP, b[0], b[1] };
            }
            default -> throw OneDnnAccelerator.no(op.opType() + " is not an eltwise op");
        };
    }

    /** Conv, MatMul or Gemm writing {@code dst} after its post-ops. */
    private void emitMain(OpView op, List<PostOp> post, String dst, String biasAdd) throws UnsupportedSegmentException {
        MemorySegment attr = create(arena, "dnnl_primitive_attr_create");
        try {
            if (!post.isEmpty()) {
                MemorySegment ops = create(arena, "dnnl_post_ops_create");
                try {
                    for (PostOp p : post) {
                        if (p.alg() == -1) {
                            call("dnnl_post_ops_append_sum", ops, 1f);
                        } else {
                            call("dnnl_post_ops_append_eltwise", ops, 1f, p.alg(), p.alpha(), p.beta());
                        }
                    }
                    call("dnnl_primitive_attr_set_post_ops", attr, ops);
                } finally {
                    call("dnnl_post_ops_destroy", ops);
                }
            }
            long[] y = shape(dst);
            MemorySegment dstMd = rowMajor(arena, y);
            List<Object[]> args = new ArrayList<>();
            MemorySegment desc;
            if (op.opType().equals("Conv")) {
                desc = convDesc(op, dstMd, args);
            } else {
                desc = matmulDesc(op, attr, y, dstMd, biasAdd, args);
            }
            args.add(new Object[] { Dnnl.ARG_DST, memory(dst, dstMd) });
            String addend = null;
            for (PostOp p : post) {
                if (p.alg() == -1) {
                    addend = p.addend();
                }
            }
            addStep(desc, attr, args, dst, addend);
        } finally {
            call("dnnl_primitive_attr_destroy", attr);
        }
    }

    private MemorySegment convDesc(OpView op, MemorySegment dstMd, List<Object[]> args) throws UnsupportedSegmentException {
        long[] x = shape(op.inputs().get(0));
        long[] w = shape(op.inputs().get(1));
        Window win = OneDnnAccelerator.conv(op, x, w, shape(op.outputs().get(0)));
        long g = op.intAttr("group", 1);
        MemorySegment srcMd = rowMajor(arena, x);
        // Grouped weights [M, C/g, kH, kW] are goihw [g, M/g, C/g, kH, kW] over the same bytes.
        MemorySegment wMd = g == 1 ? rowMajor(arena, w) : rowMajor(arena, g, w[0] / g, w[1], w[2], w[3]);
        MemorySegment bMd = MemorySegment.NULL;
        args.add(new Object[] { Dnnl.ARG_SRC, memory(op.inputs().get(0), srcMd) });
        args.add(new Object[] { Dnnl.ARG_WEIGHTS, memory(op.inputs().get(1), wMd) });
        if (op.hasInput(2)) {
            long[] b = shape(op.inputs().get(2));
            if (b.length != 1 || b[0] != w[0]) {
                throw OneDnnAccelerator.no("Conv bias of shape " + java.util.Arrays.toString(b));
            }
            bMd = rowMajor(arena, b);
            args.add(new Object[] { Dnnl.ARG_BIAS, memory(op.inputs().get(2), bMd) });
        }
        MemorySegment desc = arena.allocate(Dnnl.CONV_DESC_SIZE, 8);
        long[] dil = { win.dilations()[0] - 1, win.dilations()[1] - 1 }; // oneDNN counts skipped elements
        call("dnnl_dilated_convolution_forward_desc_init", desc, Dnnl.FORWARD_INFERENCE, Dnnl.CONVOLUTION_DIRECT, srcMd, wMd, bMd,
                        dstMd, dims(arena, win.strides()), dims(arena, dil), dims(arena, win.padL()), dims(arena, win.padR()));
        return desc;
    }

    private MemorySegment matmulDesc(OpView op, MemorySegment attr, long[] y, MemorySegment dstMd, String biasAdd, List<Object[]> args)
                    throws UnsupportedSegmentException {
        long[] a = shape(op.inputs().get(0));
        long[] b = shape(op.inputs().get(1));
        int r = y.length;
        MemorySegment aMd, bMd, biasMd = MemorySegment.NULL;
        MemorySegment aMem, bMem, biasMem = null;
        if (op.opType().equals("Gemm")) {
            boolean ta = op.intAttr("transA", 0) != 0, tb = op.intAttr("transB", 0) != 0;
            long m = ta ? a[1] : a[0], k = ta ? a[0] : a[1], n = tb ? b[0] : b[1];
            if ((tb ? b[1] : b[0]) != k || y.length != 2 || y[0] != m || y[1] != n) {
                throw OneDnnAccelerator.no("Gemm shapes " + java.util.Arrays.toString(a) + " x " + java.util.Arrays.toString(b)
                                + " -> " + java.util.Arrays.toString(y) + " do not fit");
            }
            // Transposition is just another stride order over the same bytes.
            aMd = Dnnl.strided(arena, new long[] { m, k }, ta ? new long[] { 1, m } : new long[] { k, 1 });
            bMd = Dnnl.strided(arena, new long[] { k, n }, tb ? new long[] { 1, k } : new long[] { n, 1 });
            float alpha = (float) op.floatAttr("alpha", 1), beta = (float) op.floatAttr("beta", 1);
            aMem = memory(op.inputs().get(0), aMd);
            boolean hasC = op.hasInput(2) && beta != 0;
            if (alpha != 1 && hasC) {
                bMem = memory(scaledConstant(op.inputs().get(1), alpha), bMd); // alpha*(A*B) + C = A*(alpha*B) + C
            } else {
                bMem = memory(op.inputs().get(1), bMd);
                if (alpha != 1) {
                    MemorySegment scale = arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha);
                    call("dnnl_primitive_attr_set_output_scales", attr, 1L, 0, scale);
                }
            }
            if (hasC) {
                String c = op.inputs().get(2);
                long[] cs = padTo(shape(c), 2);
                if (!OneDnnAccelerator.broadcastsTo(cs, y)) {
                    throw OneDnnAccelerator.no("Gemm C " + java.util.Arrays.toString(cs) + " does not broadcast to " + java.util.Arrays.toString(y));
                }
                biasMd = rowMajor(arena, cs);
                biasMem = memory(beta == 1 ? c : scaledConstant(c, beta), biasMd);
            }
        } else {
            aMd = rowMajor(arena, padTo(a, r));
            bMd = rowMajor(arena, padTo(b, r));
            aMem = memory(op.inputs().get(0), aMd);
            bMem = memory(op.inputs().get(1), bMd);
        }
        if (biasAdd != null) {
            biasMd = rowMajor(arena, padTo(shape(biasAdd), r));
            biasMem = memory(biasAdd, biasMd);
        }
        args.add(new Object[] { Dnnl.ARG_SRC, aMem });
        args.add(new Object[] { Dnnl.ARG_WEIGHTS, bMem });
        if (biasMem != null) {
            args.add(new Object[] { Dnnl.ARG_BIAS, biasMem });
        }
        MemorySegment desc = arena.allocate(Dnnl.MATMUL_DESC_SIZE, 8);
        call("dnnl_matmul_desc_init", desc, aMd, bMd, biasMd, dstMd);
        return desc;
    }

    private static long[] padTo(long[] s, int rank) {
        long[] r = new long[Math.max(rank, s.length)];
        java.util.Arrays.fill(r, 1);
        System.arraycopy(s, 0, r, r.length - s.length, s.length);
        return r;
    }

    /** A private copy of constant {@code value} times {@code factor}, under a fresh name. */
    private String scaledConstant(String value, float factor) throws UnsupportedSegmentException {
        Tensor c = seg.constants().get(value);
        if (c == null || c.dtype() != DType.FLOAT) {
            throw OneDnnAccelerator.no("'" + value + "' must be a float32 constant to fold alpha/beta");
        }
        long n = c.elementCount();
        MemorySegment copy = arena.allocate(Math.max(4, n * 4), 64);
        for (long i = 0; i < n; i++) {
            copy.setAtIndex(ValueLayout.JAVA_FLOAT, i, c.getFloat(i) * factor);
        }
        String name = value + "#scaled" + vals.size();
        vals.put(name, new Val(-1, -1, false, copy, c.shape()));
        return name;
    }

    /** Pooling, eltwise, BatchNormalization, Add. */
    private void emitSimple(OpView op, long[][] in) throws UnsupportedSegmentException {
        String x = op.inputs().get(0), y = op.outputs().get(0);
        long[] ys = shape(y);
        MemorySegment xMd = rowMajor(arena, in[0]);
        MemorySegment yMd = rowMajor(arena, ys);
        List<Object[]> args = new ArrayList<>();
        MemorySegment desc;
        switch (op.opType()) {
            case "MaxPool", "AveragePool" -> {
                Window win = OneDnnAccelerator.pool(op, in[0], ys);
                int alg = op.opType().equals("MaxPool") ? Dnnl.POOLING_MAX
                                : op.intAttr("count_include_pad", 0) != 0 ? Dnnl.POOLING_AVG_INCLUDE_PADDING : Dnnl.POOLING_AVG_EXCLUDE_PADDING;
                desc = arena.allocate(Dnnl.POOL_DESC_SIZE, 8);
                call("dnnl_pooling_forward_desc_init", desc, Dnnl.FORWARD_INFERENCE, alg, xMd, yMd, dims(arena, win.strides()),
                                dims(arena, win.kernel()), dims(arena, win.padL()), dims(arena, win.padR()));
                args.add(new Object[] { Dnnl.ARG_SRC, memory(x, xMd) });
            }
            case "BatchNormalization" -> {
                long c = in[0][1];
                String[] names = { "scale", "B", "mean", "var" };
                int[] kinds = { Dnnl.ARG_SCALE, Dnnl.ARG_SHIFT, Dnnl.ARG_MEAN, Dnnl.ARG_VARIANCE };
                args.add(new Object[] { Dnnl.ARG_SRC, memory(x, xMd) });
                for (int i = 1; i <= 4; i++) {
                    if (in[i].length != 1 || in[i][0] != c) {
                        throw OneDnnAccelerator.no("BatchNormalization " + names[i - 1] + " of shape " + java.util.Arrays.toString(in[i])
                                        + ", expected [" + c + "]");
                    }
                    args.add(new Object[] { kinds[i - 1], memory(op.inputs().get(i), rowMajor(arena, c)) });
                }
                desc = arena.allocate(Dnnl.BNORM_DESC_SIZE, 8);
                call("dnnl_batch_normalization_forward_desc_init", desc, Dnnl.FORWARD_INFERENCE, xMd, (float) op.floatAttr("epsilon", 1e-5),
                                Dnnl.USE_GLOBAL_STATS | Dnnl.USE_SCALE | Dnnl.USE_SHIFT);
            }
            case "Add", "Sum" -> {
                // oneDNN broadcasts only src1: put the full-size operand first (Add commutes).
                int big = java.util.Arrays.equals(in[0], ys) ? 0 : 1;
                if (!java.util.Arrays.equals(in[big], ys)) {
                    throw OneDnnAccelerator.no(op.opType() + " output " + java.util.Arrays.toString(ys) + " differs from both inputs");
                }
                String a = op.inputs().get(big), b = op.inputs().get(1 - big);
                MemorySegment aMd = rowMajor(arena, ys), bMd = rowMajor(arena, padTo(in[1 - big], ys.length));
                args.add(new Object[] { Dnnl.ARG_SRC, memory(a, aMd) });
                args.add(new Object[] { Dnnl.ARG_SRC_1, memory(b, bMd) });
                desc = arena.allocate(Dnnl.BINARY_DESC_SIZE, 8);
                call("dnnl_binary_desc_init", desc, Dnnl.BINARY_ADD, aMd, bMd, yMd);
            }
            default -> {
                float[] e = eltwise(op);
                if (!java.util.Arrays.equals(in[0], ys)) {
                    throw OneDnnAccelerator.no(op.opType() + " output " + java.util.Arrays.toString(ys) + " differs from its input");
                }
                desc = arena.allocate(Dnnl.ELTWISE_DESC_SIZE, 8);
                call("dnnl_eltwise_forward_desc_init", desc, Dnnl.FORWARD_INFERENCE, (int) e[0], xMd, e[1], e[2]);
                args.add(new Object[] { Dnnl.ARG_SRC, memory(x, xMd) });
            }
        }
        args.add(new Object[] { Dnnl.ARG_DST, memory(y, yMd) });
        addStep(desc, MemorySegment.NULL, args, y, null);
    }

    /** A primitive writing {@code dst}; its sum post-op's {@code addend} (or null) is copied into {@code dst} first. */
    private void addStep(MemorySegment desc, MemorySegment attr, List<Object[]> args, String dst, String addend)
                    throws UnsupportedSegmentException {
        MemorySegment pd = create(arena, "dnnl_primitive_desc_create", desc, attr, engine, MemorySegment.NULL);
        primitiveDescs.add(pd);
        MemorySegment prim = create(arena, "dnnl_primitive_create", pd);
        primitives.add(prim);
        MemorySegment a = arena.allocate(Dnnl.EXEC_ARG, args.size());
        for (int i = 0; i < args.size(); i++) {
            MemorySegment e = a.asSlice(i * Dnnl.EXEC_ARG.byteSize(), Dnnl.EXEC_ARG.byteSize());
            e.set(ValueLayout.JAVA_INT, 0, (Integer) args.get(i)[0]);
            e.set(ValueLayout.ADDRESS, 8, (MemorySegment) args.get(i)[1]);
        }
        steps.add(new Step(prim, a, args.size(), addend == null ? null : val(addend), addend == null ? null : val(dst)));
        List<String> reads = new ArrayList<>(pendingUses);
        reads.remove(dst);
        uses.add(new Use(dst, reads, addend));
        pendingUses.clear();
    }

    /**
     * Gives every intermediate value a buffer from a pool: a step's destination takes the smallest free buffer that
     * fits (before the step's own reads are released, so it never aliases them), and a value's buffer returns to the
     * pool after its last reader. A sum post-op whose addend dies at this step and is not otherwise read by it
     * accumulates in place: the destination takes over the addend's buffer and the copy is dropped.
     */
    private void assignBuffers() throws UnsupportedSegmentException {
        Map<String, Integer> lastRead = new HashMap<>();
        for (int s = 0; s < uses.size(); s++) {
            for (String r : uses.get(s).reads()) {
                lastRead.put(r, s);
            }
            if (uses.get(s).addend() != null) {
                lastRead.put(uses.get(s).addend(), s);
            }
        }
        List<MemorySegment> free = new ArrayList<>();
        for (int s = 0; s < uses.size(); s++) {
            Use u = uses.get(s);
            Val d = val(u.dst());
            Val a = u.addend() == null ? null : val(u.addend());
            boolean inPlace = false;
            if (d.internal) {
                if (a != null && a.internal && lastRead.get(u.addend()) == s && !u.reads().contains(u.addend())
                                && a.owned.byteSize() >= d.bytes()) {
                    d.owned = a.owned;
                    Step st = steps.get(s);
                    steps.set(s, new Step(st.primitive(), st.args(), st.nargs(), null, null));
                    inPlace = true;
                    inPlaceSums++;
                } else {
                    d.owned = take(free, d.bytes());
                }
            }
            Set<String> dying = new HashSet<>(u.reads());
            if (u.addend() != null && !inPlace) {
                dying.add(u.addend());
            }
            for (String r : dying) {
                Val v = val(r);
                if (v.internal && lastRead.get(r) == s) {
                    free.add(v.owned);
                }
            }
            if (d.internal && !lastRead.containsKey(u.dst())) {
                free.add(d.owned); // written but never read inside the segment
            }
        }
        for (Val v : vals.values()) {
            if (v.internal) {
                if (v.owned == null) {
                    throw OneDnnAccelerator.no("intermediate value of shape " + java.util.Arrays.toString(v.shape) + " is never written");
                }
                for (MemorySegment m : v.mems) {
                    call("dnnl_memory_set_data_handle", m, v.owned);
                }
            }
        }
    }

    /** The smallest free buffer of at least {@code bytes}, or a new one. */
    private MemorySegment take(List<MemorySegment> free, long bytes) {
        int best = -1;
        for (int i = 0; i < free.size(); i++) {
            long size = free.get(i).byteSize();
            if (size >= bytes && (best < 0 || size < free.get(best).byteSize())) {
                best = i;
            }
        }
        if (best >= 0) {
            return free.remove(best);
        }
        scratchBytes += bytes;
        return arena.allocate(bytes, 64);
    }

    /** The value's location, copying a constant into compile-time memory on first use. */
    private Val val(String value) throws UnsupportedSegmentException {
        Val v = vals.get(value);
        if (v != null) {
            return v;
        }
        Tensor c = seg.constants().get(value);
        if (c != null) {
            if (c.dtype() != DType.FLOAT) {
                throw OneDnnAccelerator.no("constant '" + value + "' is " + c.dtype().displayName + ": only float32");
            }
            MemorySegment copy = arena.allocate(Math.max(4, c.byteSize()), 64);
            if (c.byteSize() > 0) {
                copy.copyFrom(c.segment());
            }
            v = new Val(-1, -1, false, copy, c.shape());
        } else {
            v = new Val(-1, -1, true, null, shape(value)); // an intermediate value: its buffer comes from the pool
        }
        vals.put(value, v);
        return v;
    }

    /** A dnnl memory for a use of {@code value} described by {@code md}. */
    private MemorySegment memory(String value, MemorySegment md) throws UnsupportedSegmentException {
        Val v = val(value);
        long need = (long) Dnnl.memoryDescSize(md);
        if (need > v.bytes()) {
            throw OneDnnAccelerator.no("value '" + value + "' has " + v.bytes() + " bytes, oneDNN needs " + need);
        }
        MemorySegment m = create(arena, "dnnl_memory_create", md, engine, v.owned == null ? MemorySegment.NULL : v.owned);
        memories.add(m);
        pendingUses.add(value);
        if (v.input >= 0) {
            inputMems.get(v.input).add(m);
        } else if (v.output >= 0) {
            outputMems.get(v.output).add(m);
        } else if (v.internal) {
            v.mems.add(m);
        }
        return m;
    }

    /** How many primitives one execute runs (fused chains count once). */
    int primitiveCount() {
        return steps.size();
    }

    /** Bytes of pooled buffers for intermediate values. */
    long scratchBytes() {
        return scratchBytes;
    }

    /** How many sum post-ops accumulate into their addend's buffer instead of copying it. */
    int inPlaceSums() {
        return inPlaceSums;
    }

    // ---- Running --------------------------------------------------------------------------------------------

    @Override
    public synchronized void execute(ArrowBuf[] inputs, ArrowBuf[] outputs) {
        try {
            run(inputs, outputs);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("oneDNN call failed: " + t, t);
        }
    }

    private void run(ArrowBuf[] inputs, ArrowBuf[] outputs) throws Throwable {
        if (stream.equals(MemorySegment.NULL)) {
            throw new IllegalStateException("segment closed");
        }
        long t0 = System.nanoTime();
        Dnnl.applyThreads();
        MemorySegment[] in = bind(inputs, inputBytes, inputMems, "input");
        MemorySegment[] out = bind(outputs, outputBytes, outputMems, "output");
        for (Step s : steps) {
            if (s.copyFrom() != null) {
                Dnnl.check("dnnl_stream_wait", (int) Dnnl.streamWait.invokeExact(stream));
                MemorySegment.copy(at(s.copyFrom(), in, out), 0, at(s.copyTo(), in, out), 0, s.copyTo().bytes());
            }
            Dnnl.check("dnnl_primitive_execute", (int) Dnnl.execute.invokeExact(s.primitive(), stream, s.nargs(), s.args()));
        }
        Dnnl.check("dnnl_stream_wait", (int) Dnnl.streamWait.invokeExact(stream));
        calls++;
        nanos += System.nanoTime() - t0;
    }

    private static MemorySegment at(Val v, MemorySegment[] in, MemorySegment[] out) {
        return v.owned != null ? v.owned : v.input >= 0 ? in[v.input] : out[v.output];
    }

    private static MemorySegment[] bind(ArrowBuf[] bufs, long[] bytes, List<List<MemorySegment>> mems, String what) throws Throwable {
        if (bufs == null || bufs.length != bytes.length) {
            throw new IllegalArgumentException("expected " + bytes.length + " " + what + " buffers, got " + (bufs == null ? "null" : bufs.length));
        }
        MemorySegment[] r = new MemorySegment[bufs.length];
        for (int i = 0; i < bufs.length; i++) {
            if (bufs[i] == null || bufs[i].capacity() < bytes[i]) {
                throw new IllegalArgumentException(what + " " + i + " has " + (bufs[i] == null ? "no buffer" : bufs[i].capacity() + " bytes")
                                + ", needs " + bytes[i]);
            }
            r[i] = MemorySegment.ofAddress(bufs[i].memoryAddress()).reinterpret(bytes[i]);
        }
        for (int i = 0; i < bufs.length; i++) {
            for (MemorySegment m : mems.get(i)) {
                Dnnl.check("dnnl_memory_set_data_handle", (int) Dnnl.setDataHandle.invokeExact(m, r[i]));
            }
        }
        return r;
    }

    @Override
    public synchronized Profile profile() {
        return new Profile(calls, nanos);
    }

    @Override
    public synchronized void close() {
        if (!arena.scope().isAlive()) {
            return;
        }
        for (MemorySegment p : primitives) {
            call("dnnl_primitive_destroy", p);
        }
        for (MemorySegment p : primitiveDescs) {
            call("dnnl_primitive_desc_destroy", p);
        }
        for (MemorySegment m : memories) {
            call("dnnl_memory_destroy", m);
        }
        if (!stream.equals(MemorySegment.NULL)) {
            call("dnnl_stream_destroy", stream);
        }
        if (!engine.equals(MemorySegment.NULL)) {
            call("dnnl_engine_destroy", engine);
        }
        stream = MemorySegment.NULL;
        engine = MemorySegment.NULL;
        arena.close();
    }
}
