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
 * A segment as a list of oneDNN primitives on one in-order CPU stream. Every value is stored in one layout: segment
 * inputs and outputs row-major (they are the Arrow buffers, their data handles set at each execute), constants
 * row-major where they are (our tensors, read in place), an intermediate value in the layout its producer chose.
 * Conv leaves its source, weight and destination layouts to oneDNN ("any"), which picks the blocked ones its fast
 * kernels want (nChw16c, OIhw16i16o on AVX-512); MatMul and Gemm choose their weight layout. A primitive that needs
 * a value in another layout reads a reordered copy: constants are reordered once at compile, other values by a
 * reorder step whose copy later readers share. Intermediate values share a pool of buffers by liveness (a buffer is
 * reused once the last primitive reading its value ran), so the working set stays small enough to live in cache.
 */
final class OneDnnSegment implements CompiledSegment {
    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> memories = new ArrayList<>();
    private final List<MemorySegment> primitiveDescs = new ArrayList<>();
    private final List<MemorySegment> primitives = new ArrayList<>();
    private final Map<String, Val> vals = new HashMap<>();
    /** Reordered copies of a value, by the value's name. */
    private final Map<String, List<String>> copies = new HashMap<>();
    private final List<Step> steps = new ArrayList<>();
    /** Per step, parallel to {@link #steps}: which values it writes and reads (for buffer liveness). */
    private final List<Use> uses = new ArrayList<>();
    private long scratchBytes;
    private int inPlaceSums;
    private int reorderSteps;
    private int constantReorders;
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
     * ({@code internal}) whose buffer is assigned from the pool after all primitives exist. {@code md} is its layout.
     */
    private static final class Val {
        final int input;
        final int output;
        final boolean internal;
        final MemorySegment md;
        final long bytes;
        /** The dnnl memories over an intermediate value, pointed at its buffer once it is assigned. */
        final List<MemorySegment> mems = new ArrayList<>();
        MemorySegment owned;

        Val(int input, int output, boolean internal, MemorySegment owned, MemorySegment md) {
            this.input = input;
            this.output = output;
            this.internal = internal;
            this.owned = owned;
            this.md = md;
            this.bytes = Dnnl.memoryDescSize(md);
        }

        boolean isConstant() {
            return !internal && input < 0 && output < 0;
        }

        /** The logical dims (a rank-0 value has [1]). */
        long[] dims() {
            return Dnnl.dimsOf(md);
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

    /**
     * An input of a primitive: {@code value} in the layout the primitive chose for argument {@code kind}, or, with a
     * {@code view}, the value's row-major bytes seen through {@code view} (other dims or strides, e.g. a transposed
     * Gemm operand or grouped Conv weights) and reordered from there where the primitive chose another layout.
     */
    private record In(int kind, String value, MemorySegment view) {
    }

    OneDnnSegment(Segment seg) throws UnsupportedSegmentException {
        this.seg = seg;
        try {
            inputBytes = bytes(seg.inputTypes(), "input");
            outputBytes = bytes(seg.outputTypes(), "output");
            for (int i = 0; i < seg.inputs().size(); i++) {
                vals.put(seg.inputs().get(i), new Val(i, -1, false, null, rowMajor(arena, seg.inputTypes().get(i).shape())));
                inputMems.add(new ArrayList<>());
            }
            for (int i = 0; i < seg.outputs().size(); i++) {
                vals.put(seg.outputs().get(i), new Val(-1, i, false, null, rowMajor(arena, seg.outputTypes().get(i).shape())));
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
            String addend = null;
            if (!post.isEmpty()) {
                MemorySegment ops = create(arena, "dnnl_post_ops_create");
                try {
                    for (PostOp p : post) {
                        if (p.alg() == -1) {
                            call("dnnl_post_ops_append_sum", ops, 1f);
                            addend = p.addend();
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
            List<In> ins = new ArrayList<>();
            MemorySegment desc;
            if (op.opType().equals("Conv")) {
                // The sum post-op accumulates into the destination: keep an intermediate addend's layout.
                Val sum = addend == null ? null : vals.get(addend);
                MemorySegment dstMd = sum != null && sum.internal ? sum.md
                                : vals.containsKey(dst) ? rowMajor(arena, y) : Dnnl.anyLayout(arena, y);
                desc = convDesc(op, dstMd, ins);
            } else {
                desc = matmulDesc(op, attr, y, biasAdd, ins);
            }
            emitWith(primitiveDesc(desc, attr), ins, dst, addend);
        } finally {
            call("dnnl_primitive_attr_destroy", attr);
        }
    }

    private MemorySegment convDesc(OpView op, MemorySegment dstMd, List<In> ins) throws UnsupportedSegmentException {
        long[] x = shape(op.inputs().get(0));
        long[] w = shape(op.inputs().get(1));
        Window win = OneDnnAccelerator.conv(op, x, w, shape(op.outputs().get(0)));
        long g = op.intAttr("group", 1);
        // Grouped weights [M, C/g, kH, kW] are goihw [g, M/g, C/g, kH, kW] over the same bytes.
        long[] wDims = g == 1 ? w : new long[] { g, w[0] / g, w[1], w[2], w[3] };
        MemorySegment bMd = MemorySegment.NULL;
        ins.add(new In(Dnnl.ARG_SRC, op.inputs().get(0), null));
        ins.add(new In(Dnnl.ARG_WEIGHTS, op.inputs().get(1), rowMajor(arena, wDims)));
        if (op.hasInput(2)) {
            long[] b = shape(op.inputs().get(2));
            if (b.length != 1 || b[0] != w[0]) {
                throw OneDnnAccelerator.no("Conv bias of shape " + java.util.Arrays.toString(b));
            }
            bMd = rowMajor(arena, b);
            ins.add(new In(Dnnl.ARG_BIAS, op.inputs().get(2), bMd));
        }
        MemorySegment desc = arena.allocate(Dnnl.CONV_DESC_SIZE, 8);
        long[] dil = { win.dilations()[0] - 1, win.dilations()[1] - 1 }; // oneDNN counts skipped elements
        call("dnnl_dilated_convolution_forward_desc_init", desc, Dnnl.FORWARD_INFERENCE, Dnnl.CONVOLUTION_DIRECT,
                        Dnnl.anyLayout(arena, x), Dnnl.anyLayout(arena, wDims), bMd, dstMd, dims(arena, win.strides()),
                        dims(arena, dil), dims(arena, win.padL()), dims(arena, win.padR()));
        return desc;
    }

    private MemorySegment matmulDesc(OpView op, MemorySegment attr, long[] y, String biasAdd, List<In> ins)
                    throws UnsupportedSegmentException {
        long[] a = shape(op.inputs().get(0));
        long[] b = shape(op.inputs().get(1));
        int r = y.length;
        MemorySegment aMd, bMd, biasMd = MemorySegment.NULL;
        String bValue = op.inputs().get(1);
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
            boolean hasC = op.hasInput(2) && beta != 0;
            if (alpha != 1 && hasC) {
                bValue = scaledConstant(bValue, alpha); // alpha*(A*B) + C = A*(alpha*B) + C
            } else if (alpha != 1) {
                MemorySegment scale = arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha);
                call("dnnl_primitive_attr_set_output_scales", attr, 1L, 0, scale);
            }
            if (hasC) {
                String c = op.inputs().get(2);
                long[] cs = padTo(shape(c), 2);
                if (!OneDnnAccelerator.broadcastsTo(cs, y)) {
                    throw OneDnnAccelerator.no("Gemm C " + java.util.Arrays.toString(cs) + " does not broadcast to " + java.util.Arrays.toString(y));
                }
                biasMd = rowMajor(arena, cs);
                ins.add(new In(Dnnl.ARG_BIAS, beta == 1 ? c : scaledConstant(c, beta), biasMd));
            }
        } else {
            aMd = rowMajor(arena, padTo(a, r));
            bMd = rowMajor(arena, padTo(b, r));
        }
        if (biasAdd != null) {
            biasMd = rowMajor(arena, padTo(shape(biasAdd), r));
            ins.add(new In(Dnnl.ARG_BIAS, biasAdd, biasMd));
        }
        ins.add(new In(Dnnl.ARG_SRC, op.inputs().get(0), aMd));
        ins.add(new In(Dnnl.ARG_WEIGHTS, bValue, bMd));
        // Constant weights are reordered once into the layout the matmul kernel prefers; others are read as they are.
        boolean constantB = seg.constants().containsKey(bValue) || (vals.containsKey(bValue) && vals.get(bValue).isConstant());
        MemorySegment weightsMd = constantB ? Dnnl.anyLayout(arena, Dnnl.dimsOf(bMd)) : bMd;
        MemorySegment desc = arena.allocate(Dnnl.MATMUL_DESC_SIZE, 8);
        call("dnnl_matmul_desc_init", desc, aMd, weightsMd, biasMd, rowMajor(arena, y));
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
        vals.put(name, new Val(-1, -1, false, copy, rowMajor(arena, c.shape())));
        return name;
    }

    /** Pooling, eltwise, BatchNormalization, LRN, binary ops, Softmax, Concat (each in the layout of its input), reshapes. */
    private void emitSimple(OpView op, long[][] in) throws UnsupportedSegmentException {
        String x = op.inputs().get(0), y = op.outputs().get(0);
        long[] ys = shape(y);
        List<In> ins = new ArrayList<>();
        MemorySegment desc;
        switch (op.opType()) {
            case "MaxPool", "AveragePool" -> {
                Window win = OneDnnAccelerator.pool(op, in[0], ys);
                int alg = op.opType().equals("MaxPool") ? Dnnl.POOLING_MAX
                                : op.intAttr("count_include_pad", 0) != 0 ? Dnnl.POOLING_AVG_INCLUDE_PADDING : Dnnl.POOLING_AVG_EXCLUDE_PADDING;
                desc = arena.allocate(Dnnl.POOL_DESC_SIZE, 8);
                call("dnnl_pooling_forward_desc_init", desc, Dnnl.FORWARD_INFERENCE, alg, val(x).md, Dnnl.anyLayout(arena, ys),
                                dims(arena, win.strides()), dims(arena, win.kernel()), dims(arena, win.padL()), dims(arena, win.padR()));
                ins.add(new In(Dnnl.ARG_SRC, x, null));
            }
            case "GlobalAveragePool", "GlobalMaxPool" -> {
                int alg = op.opType().equals("GlobalMaxPool") ? Dnnl.POOLING_MAX : Dnnl.POOLING_AVG_EXCLUDE_PADDING;
                desc = arena.allocate(Dnnl.POOL_DESC_SIZE, 8);
                call("dnnl_pooling_forward_desc_init", desc, Dnnl.FORWARD_INFERENCE, alg, val(x).md, Dnnl.anyLayout(arena, ys),
                                dims(arena, 1, 1), dims(arena, in[0][2], in[0][3]), dims(arena, 0, 0), dims(arena, 0, 0));
                ins.add(new In(Dnnl.ARG_SRC, x, null));
            }
            case "Softmax" -> {
                desc = arena.allocate(Dnnl.SOFTMAX_DESC_SIZE, 8);
                call("dnnl_softmax_forward_desc_init", desc, Dnnl.FORWARD_INFERENCE, val(x).md, OneDnnAccelerator.softmaxAxis(op, in[0]));
                ins.add(new In(Dnnl.ARG_SRC, x, null));
            }
            case "Concat" -> {
                // Each input in its own layout; the primitive picks the output's.
                int n = op.inputs().size();
                MemorySegment srcs = arena.allocate(Dnnl.MEMORY_DESC_SIZE * n, 8);
                for (int i = 0; i < n; i++) {
                    srcs.asSlice(i * Dnnl.MEMORY_DESC_SIZE, Dnnl.MEMORY_DESC_SIZE).copyFrom(val(op.inputs().get(i)).md);
                    ins.add(new In(Dnnl.ARG_MULTIPLE_SRC + i, op.inputs().get(i), null));
                }
                MemorySegment pd = create(arena, "dnnl_concat_primitive_desc_create", Dnnl.anyLayout(arena, ys), n,
                                OneDnnAccelerator.concatAxis(op, in), srcs, MemorySegment.NULL, engine);
                primitiveDescs.add(pd);
                emitWith(pd, ins, y, null);
                return;
            }
            case "Reshape", "Flatten", "Squeeze", "Unsqueeze" -> {
                // The input's row-major bytes seen with the output's dims, copied by a reorder between plain layouts.
                MemorySegment yMd = rowMajor(arena, ys);
                ins.add(new In(Dnnl.ARG_SRC, x, yMd));
                emitWith(reorderDesc(yMd, yMd), ins, y, null);
                return;
            }
            case "BatchNormalization" -> {
                long c = in[0][1];
                String[] names = { "scale", "B", "mean", "var" };
                int[] kinds = { Dnnl.ARG_SCALE, Dnnl.ARG_SHIFT, Dnnl.ARG_MEAN, Dnnl.ARG_VARIANCE };
                ins.add(new In(Dnnl.ARG_SRC, x, null));
                for (int i = 1; i <= 4; i++) {
                    if (in[i].length != 1 || in[i][0] != c) {
                        throw OneDnnAccelerator.no("BatchNormalization " + names[i - 1] + " of shape " + java.util.Arrays.toString(in[i])
                                        + ", expected [" + c + "]");
                    }
                    ins.add(new In(kinds[i - 1], op.inputs().get(i), rowMajor(arena, c)));
                }
                desc = arena.allocate(Dnnl.BNORM_DESC_SIZE, 8);
                call("dnnl_batch_normalization_forward_desc_init", desc, Dnnl.FORWARD_INFERENCE, val(x).md,
                                (float) op.floatAttr("epsilon", 1e-5), Dnnl.USE_GLOBAL_STATS | Dnnl.USE_SCALE | Dnnl.USE_SHIFT);
            }
            case "Add", "Sum", "Mul", "Sub", "Div", "Max", "Min" -> {
                // oneDNN broadcasts only src1: put the full-size operand first where the op commutes.
                int big = java.util.Arrays.equals(in[0], ys) ? 0 : 1;
                if (!java.util.Arrays.equals(in[big], ys) || (big == 1 && !OneDnnAccelerator.BINARY.get(op.opType()))) {
                    throw OneDnnAccelerator.no(op.opType() + " of " + java.util.Arrays.toString(in[0]) + " and "
                                    + java.util.Arrays.toString(in[1]) + " to " + java.util.Arrays.toString(ys) + ": the first input must be full size");
                }
                String a = op.inputs().get(big), b = op.inputs().get(1 - big);
                MemorySegment aMd = val(a).md;
                boolean sameShape = java.util.Arrays.equals(in[1 - big], ys);
                // A same-shape operand is read in the first one's layout, a broadcast one row-major.
                MemorySegment bMd = sameShape ? aMd : rowMajor(arena, padTo(in[1 - big], ys.length));
                ins.add(new In(Dnnl.ARG_SRC, a, null));
                ins.add(new In(Dnnl.ARG_SRC_1, b, sameShape ? null : bMd));
                desc = arena.allocate(Dnnl.BINARY_DESC_SIZE, 8);
                // val(a).dims() rather than ys: a rank-0 value is stored as [1].
                call("dnnl_binary_desc_init", desc, binaryAlg(op.opType()), aMd, bMd, Dnnl.anyLayout(arena, val(a).dims()));
            }
            case "LRN" -> {
                desc = arena.allocate(Dnnl.LRN_DESC_SIZE, 8);
                call("dnnl_lrn_forward_desc_init", desc, Dnnl.FORWARD_INFERENCE, Dnnl.LRN_ACROSS_CHANNELS, val(x).md, op.intAttr("size", 1),
                                (float) op.floatAttr("alpha", 1e-4), (float) op.floatAttr("beta", 0.75), (float) op.floatAttr("bias", 1));
                ins.add(new In(Dnnl.ARG_SRC, x, null));
            }
            case "Transpose" -> {
                // The input's row-major bytes seen in the output's index order (permuted strides), reordered to row-major.
                long[] xs = in[0];
                long[] perm = op.intsAttr("perm");
                long[] xStrides = Dnnl.rowMajorStrides(xs.length == 0 ? new long[] { 1 } : xs);
                long[] viewDims = new long[xStrides.length], viewStrides = new long[xStrides.length];
                for (int d = 0; d < viewDims.length; d++) {
                    int from = perm == null ? viewDims.length - 1 - d : (int) perm[d];
                    viewDims[d] = xs.length == 0 ? 1 : xs[from];
                    viewStrides[d] = xStrides[from];
                }
                MemorySegment view = Dnnl.strided(arena, viewDims, viewStrides);
                ins.add(new In(Dnnl.ARG_SRC, x, view));
                emitWith(reorderDesc(view, rowMajor(arena, ys)), ins, y, null);
                return;
            }
            default -> {
                float[] e = eltwise(op);
                if (!java.util.Arrays.equals(in[0], ys)) {
                    throw OneDnnAccelerator.no(op.opType() + " output " + java.util.Arrays.toString(ys) + " differs from its input");
                }
                desc = arena.allocate(Dnnl.ELTWISE_DESC_SIZE, 8);
                call("dnnl_eltwise_forward_desc_init", desc, Dnnl.FORWARD_INFERENCE, (int) e[0], val(x).md, e[1], e[2]);
                ins.add(new In(Dnnl.ARG_SRC, x, null));
            }
        }
        emitWith(primitiveDesc(desc, MemorySegment.NULL), ins, y, null);
    }

    private static int binaryAlg(String opType) {
        return switch (opType) {
            case "Mul" -> Dnnl.BINARY_MUL;
            case "Sub" -> Dnnl.BINARY_SUB;
            case "Div" -> Dnnl.BINARY_DIV;
            case "Max" -> Dnnl.BINARY_MAX;
            case "Min" -> Dnnl.BINARY_MIN;
            default -> Dnnl.BINARY_ADD;
        };
    }

    /**
     * Adds the primitive of {@code pd}, reading {@code ins} and writing {@code y}; {@code addend} (or null) is its sum
     * post-op's addend, read in the destination's layout.
     */
    private void emitWith(MemorySegment pd, List<In> ins, String y, String addend) throws UnsupportedSegmentException {
        Args args = new Args();
        for (In i : ins) {
            args.read(i, pd);
        }
        MemorySegment dstMd = Dnnl.argLayout(arena, pd, Dnnl.ARG_DST);
        args.write(y, dstMd);
        addStep(pd, args, addend == null ? null : inLayout(addend, dstMd));
    }

    /** A reorder primitive descriptor from layout {@code from} to layout {@code to}, destroyed with the segment. */
    private MemorySegment reorderDesc(MemorySegment from, MemorySegment to) {
        MemorySegment pd = create(arena, "dnnl_reorder_primitive_desc_create", from, engine, to, engine, MemorySegment.NULL);
        primitiveDescs.add(pd);
        return pd;
    }

    /** A reorder step copying {@code from} (its bytes seen as {@code fromMd}) into {@code to} in layout {@code toMd}. */
    private void reorderStep(String from, MemorySegment fromMd, String to, MemorySegment toMd) throws UnsupportedSegmentException {
        Args args = new Args();
        args.add(Dnnl.ARG_SRC, from, fromMd);
        args.write(to, toMd);
        addStep(reorderDesc(fromMd, toMd), args, null);
        reorderSteps++;
    }

    private MemorySegment primitiveDesc(MemorySegment desc, MemorySegment attr) {
        MemorySegment pd = create(arena, "dnnl_primitive_desc_create", desc, attr, engine, MemorySegment.NULL);
        primitiveDescs.add(pd);
        return pd;
    }

    /** The execute arguments of one primitive, and the values it reads and writes. */
    private final class Args {
        final List<Integer> kinds = new ArrayList<>();
        final List<MemorySegment> mems = new ArrayList<>();
        final List<String> reads = new ArrayList<>();
        String dst;
        /** The segment output that a reorder fills from {@link #dst} (a temporary in the primitive's layout), or null. */
        String output;

        void read(In in, MemorySegment pd) throws UnsupportedSegmentException {
            MemorySegment md = Dnnl.argLayout(arena, pd, in.kind());
            if (in.view() == null) {
                add(in.kind(), inLayout(in.value(), md), md);
                return;
            }
            String plain = inLayout(in.value(), rowMajor(arena, val(in.value()).dims()));
            if (Dnnl.sameLayout(in.view(), md)) {
                add(in.kind(), plain, in.view());
            } else {
                add(in.kind(), reorder(plain, in.view(), md), md);
            }
        }

        void add(int kind, String value, MemorySegment md) throws UnsupportedSegmentException {
            kinds.add(kind);
            mems.add(memory(value, md));
            reads.add(value);
        }

        /** The destination {@code value} in layout {@code md}: it defines an intermediate value's layout. */
        void write(String value, MemorySegment md) throws UnsupportedSegmentException {
            Val v = vals.get(value);
            String target = value;
            if (v == null) {
                if (seg.constants().containsKey(value)) {
                    throw OneDnnAccelerator.no("constant '" + value + "' is written by an op");
                }
                vals.put(value, new Val(-1, -1, true, null, md));
            } else if (v.output < 0) {
                throw OneDnnAccelerator.no("value '" + value + "' is written twice");
            } else if (!Dnnl.sameLayout(v.md, md)) {
                target = value + "#out";
                vals.put(target, new Val(-1, -1, true, null, md));
                output = value;
            }
            dst = target;
            kinds.add(Dnnl.ARG_DST);
            mems.add(memory(target, md));
        }
    }

    /** {@code value} in layout {@code md}: the value itself where it is stored so, else its reordered copy. */
    private String inLayout(String value, MemorySegment md) throws UnsupportedSegmentException {
        Val v = val(value);
        if (Dnnl.sameLayout(v.md, md)) {
            return value;
        }
        List<String> made = copies.computeIfAbsent(value, k -> new ArrayList<>());
        for (String c : made) {
            if (Dnnl.sameLayout(vals.get(c).md, md)) {
                return c;
            }
        }
        String copy = reorder(value, v.md, md);
        made.add(copy);
        return copy;
    }

    /**
     * A new value holding {@code from} (its bytes seen through layout {@code view}) in layout {@code md}: for a
     * constant, reordered here and now; for any other value, by a reorder step added to the segment.
     */
    private String reorder(String from, MemorySegment view, MemorySegment md) throws UnsupportedSegmentException {
        Val src = val(from);
        String name = from + "#reordered" + vals.size();
        if (!src.isConstant()) {
            reorderStep(from, view, name, md);
            return name;
        }
        MemorySegment pd = create(arena, "dnnl_reorder_primitive_desc_create", view, engine, md, engine, MemorySegment.NULL);
        MemorySegment buffer = arena.allocate(Math.max(4, Dnnl.memoryDescSize(md)), 64);
        MemorySegment prim = MemorySegment.NULL, in = MemorySegment.NULL, out = MemorySegment.NULL;
        try {
            prim = create(arena, "dnnl_primitive_create", pd);
            in = create(arena, "dnnl_memory_create", view, engine, src.owned);
            out = create(arena, "dnnl_memory_create", md, engine, buffer);
            MemorySegment args = arena.allocate(Dnnl.EXEC_ARG, 2);
            args.set(ValueLayout.JAVA_INT, 0, Dnnl.ARG_SRC);
            args.set(ValueLayout.ADDRESS, 8, in);
            args.set(ValueLayout.JAVA_INT, Dnnl.EXEC_ARG.byteSize(), Dnnl.ARG_DST);
            args.set(ValueLayout.ADDRESS, Dnnl.EXEC_ARG.byteSize() + 8, out);
            Dnnl.check("dnnl_primitive_execute", (int) Dnnl.execute.invokeExact(prim, stream, 2, args));
            Dnnl.check("dnnl_stream_wait", (int) Dnnl.streamWait.invokeExact(stream));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("reordering constant '" + from + "' failed: " + t, t);
        } finally {
            for (MemorySegment m : new MemorySegment[] { in, out }) {
                if (!m.equals(MemorySegment.NULL)) {
                    call("dnnl_memory_destroy", m);
                }
            }
            if (!prim.equals(MemorySegment.NULL)) {
                call("dnnl_primitive_destroy", prim);
            }
            call("dnnl_primitive_desc_destroy", pd);
        }
        vals.put(name, new Val(-1, -1, false, buffer, md));
        constantReorders++;
        return name;
    }

    /**
     * Adds the primitive of {@code pd} with {@code args}; its sum post-op's {@code addend} (or null) is copied into
     * the destination first. Where the primitive wrote a temporary for a segment output, a reorder fills the output.
     */
    private void addStep(MemorySegment pd, Args args, String addend) throws UnsupportedSegmentException {
        MemorySegment prim = create(arena, "dnnl_primitive_create", pd);
        primitives.add(prim);
        int n = args.kinds.size();
        MemorySegment a = arena.allocate(Dnnl.EXEC_ARG, n);
        for (int i = 0; i < n; i++) {
            MemorySegment e = a.asSlice(i * Dnnl.EXEC_ARG.byteSize(), Dnnl.EXEC_ARG.byteSize());
            e.set(ValueLayout.JAVA_INT, 0, args.kinds.get(i));
            e.set(ValueLayout.ADDRESS, 8, args.mems.get(i));
        }
        steps.add(new Step(prim, a, n, addend == null ? null : val(addend), addend == null ? null : val(args.dst)));
        List<String> reads = new ArrayList<>(args.reads);
        reads.remove(args.dst);
        uses.add(new Use(args.dst, reads, addend));
        if (args.output != null) {
            reorderStep(args.dst, val(args.dst).md, args.output, val(args.output).md);
        }
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
                                && a.owned.byteSize() >= d.bytes) {
                    d.owned = a.owned;
                    Step st = steps.get(s);
                    steps.set(s, new Step(st.primitive(), st.args(), st.nargs(), null, null));
                    inPlace = true;
                    inPlaceSums++;
                } else {
                    d.owned = take(free, d.bytes);
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
                    throw OneDnnAccelerator.no("intermediate value of shape " + java.util.Arrays.toString(v.dims()) + " is never written");
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

    /** The value's location; a constant's on first use. */
    private Val val(String value) throws UnsupportedSegmentException {
        Val v = vals.get(value);
        if (v != null) {
            return v;
        }
        Tensor c = seg.constants().get(value);
        if (c == null) {
            throw OneDnnAccelerator.no("value '" + value + "' is read before an op of the segment writes it");
        }
        if (c.dtype() != DType.FLOAT) {
            throw OneDnnAccelerator.no("constant '" + value + "' is " + c.dtype().displayName + ": only float32");
        }
        // Read in place (Segment: constants outlive the compiled segment); weights are reordered from here anyway.
        v = new Val(-1, -1, false, c.segment(), rowMajor(arena, c.shape()));
        vals.put(value, v);
        return v;
    }

    /** A dnnl memory for a use of {@code value} described by {@code md}. */
    private MemorySegment memory(String value, MemorySegment md) throws UnsupportedSegmentException {
        Val v = val(value);
        long need = Dnnl.memoryDescSize(md);
        if (need > v.bytes) {
            throw OneDnnAccelerator.no("value '" + value + "' has " + v.bytes + " bytes, oneDNN needs " + need);
        }
        MemorySegment m = create(arena, "dnnl_memory_create", md, engine, v.owned == null ? MemorySegment.NULL : v.owned);
        memories.add(m);
        if (v.input >= 0) {
            inputMems.get(v.input).add(m);
        } else if (v.output >= 0) {
            outputMems.get(v.output).add(m);
        } else if (v.internal) {
            v.mems.add(m);
        }
        return m;
    }

    /** How many primitives other than reorders one execute runs (fused chains count once). */
    int primitiveCount() {
        return steps.size() - reorderSteps;
    }

    /** How many reorders between layouts one execute runs. */
    int reorderSteps() {
        return reorderSteps;
    }

    /** How many constants were reordered at compile into the layout their primitive chose. */
    int constantReorders() {
        return constantReorders;
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
                MemorySegment.copy(at(s.copyFrom(), in, out), 0, at(s.copyTo(), in, out), 0, s.copyTo().bytes);
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
