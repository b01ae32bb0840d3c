package dev.dnnrun.accel.backends.onednn;

import static dev.dnnrun.accel.backends.onednn.Dnnl.call;
import static dev.dnnrun.accel.backends.onednn.Dnnl.create;
import static dev.dnnrun.accel.backends.onednn.Dnnl.dims;
import static dev.dnnrun.accel.backends.onednn.Dnnl.rowMajor;
import static dev.dnnrun.accel.backends.onednn.OneDnnAccelerator.no;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.backends.onednn.Layouts.In;
import dev.dnnrun.accel.backends.onednn.Layouts.Val;
import dev.dnnrun.accel.support.Shapes;
import dev.dnnrun.accel.support.Window;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Turns a segment's operators into oneDNN primitives, in order. Conv leaves its source, weight and destination
 * layouts to oneDNN ("any"), which picks the blocked ones its fast kernels want (nChw16c, OIhw16i16o on AVX-512);
 * MatMul and Gemm choose their weight layout; the other ops work in the layout of their input. A Conv/MatMul/Gemm
 * followed by single-consumer eltwise ops and same-shape Adds runs as one primitive with post-ops.
 */
final class Emitter {
    private static final int SUM = -1;
    private static final int BIAS = -2;
    /** The ops that take post-ops. */
    private static final Set<String> MAIN = Set.of("Conv", "MatMul", "Gemm");

    private final Layouts values;
    private final Segment graph;
    private final OneDnnSegment seg;
    private final Arena arena;
    /** Which ops read each value, by index. */
    private final Map<String, List<Integer>> consumers = new HashMap<>();
    /** Ops fused into an earlier Conv/MatMul/Gemm. */
    private final Set<Integer> fused = new HashSet<>();

    /** A post-op fused into a Conv/MatMul/Gemm: eltwise (alg, alpha, beta), {@link #SUM} or {@link #BIAS} of {@code addend}. */
    private record PostOp(int alg, float alpha, float beta, String addend) {
    }

    /** A Conv/MatMul/Gemm with the ops fused into it, writing {@code dst}; emitted where its last op stood. */
    private record Chain(OpView op, List<PostOp> post, String dst, String biasAdd, int lastOp) {
    }

    Emitter(Layouts values, Segment graph, OneDnnSegment seg) {
        this.values = values;
        this.graph = graph;
        this.seg = seg;
        this.arena = seg.arena;
        for (int i = 0; i < graph.ops().size(); i++) {
            for (String v : graph.ops().get(i).inputs()) {
                consumers.computeIfAbsent(v, k -> new ArrayList<>()).add(i);
            }
        }
    }

    void emitAll() throws UnsupportedSegmentException {
        Map<Integer, Chain> deferred = new HashMap<>();
        for (int i = 0; i < graph.ops().size(); i++) {
            OpView op = graph.ops().get(i);
            long[][] in = new long[op.inputs().size()][];
            for (int j = 0; j < in.length; j++) {
                in[j] = op.hasInput(j) ? values.shape(op.inputs().get(j)) : null;
            }
            if (!fused.contains(i)) {
                OneDnnAccelerator.check(op, in, values.shape(op.outputs().get(0)));
                if (MAIN.contains(op.opType())) {
                    Chain c = chain(i);
                    deferred.put(c.lastOp(), c);
                } else {
                    emitSimple(op, in);
                }
            }
            Chain c = deferred.remove(i);
            if (c != null) {
                emitMain(c);
            }
        }
    }

    /**
     * Op {@code i} with the single-consumer eltwise and same-shape Add ops after it, fused as post-ops. A residual Add
     * of two Convs is taken by the first Conv; the second must not fuse it again.
     */
    private Chain chain(int i) throws UnsupportedSegmentException {
        OpView op = graph.ops().get(i);
        List<PostOp> post = new ArrayList<>();
        String last = op.outputs().get(0);
        int lastOp = i;
        String biasAdd = null;
        while (!graph.outputs().contains(last) && consumers.getOrDefault(last, List.of()).size() == 1
                        && !fused.contains(consumers.get(last).get(0))) {
            int k = consumers.get(last).get(0);
            PostOp p = postOp(graph.ops().get(k), last, op, post.isEmpty() && biasAdd == null);
            if (p == null) {
                break;
            }
            if (p.alg() == BIAS) {
                biasAdd = p.addend();
            } else {
                post.add(p);
            }
            fused.add(k);
            last = graph.ops().get(k).outputs().get(0);
            lastOp = k;
        }
        return new Chain(op, post, last, biasAdd, lastOp);
    }

    /**
     * The post-op for {@code next} reading {@code value} after {@code main}, or null when it cannot be fused. An Add
     * whose other side broadcasts to MatMul/Gemm's rows becomes the bias when nothing precedes it ({@code first}).
     */
    private PostOp postOp(OpView next, String value, OpView main, boolean first) throws UnsupportedSegmentException {
        for (int i = 0; i < next.inputs().size(); i++) {
            TensorType t = next.inputType(i);
            if (next.hasInput(i) && (t == null || t.dtype() != DType.FLOAT)) {
                return null;
            }
        }
        if (!next.domain().isEmpty() && !next.domain().equals("ai.onnx")) {
            return null;
        }
        if (next.opType().equals("Add") || next.opType().equals("Sum")) {
            if (next.inputs().size() != 2 || next.inputs().get(0).equals(next.inputs().get(1))) {
                return null;
            }
            String other = next.inputs().get(next.inputs().get(0).equals(value) ? 1 : 0);
            long[] os = values.shape(other), outShape = values.shape(value);
            if (Arrays.equals(os, outShape)) {
                return new PostOp(SUM, 0, 0, other);
            }
            // Only where no output scale (Gemm alpha) could apply before or after the bias.
            boolean mm = main.opType().equals("MatMul") || (main.opType().equals("Gemm") && !main.hasInput(2) && main.floatAttr("alpha", 1) == 1);
            return first && mm && Shapes.broadcastsTo(os, outShape) ? new PostOp(BIAS, 0, 0, other) : null;
        }
        if (!Dnnl.ELTWISE.containsKey(next.opType())) {
            return null;
        }
        float[] e = eltwise(next);
        return new PostOp((int) e[0], e[1], e[2], null);
    }

    /** {alg, alpha, beta} of an eltwise op. */
    private static float[] eltwise(OpView op) throws UnsupportedSegmentException {
        float[] clip = op.opType().equals("Clip") ? OneDnnAccelerator.clipBounds(op) : new float[2];
        float alpha = op.opType().equals("LeakyRelu") ? (float) op.floatAttr("alpha", 0.01) : clip[0];
        return new float[] { Dnnl.ELTWISE.get(op.opType()), alpha, clip[1] };
    }

    /** Conv, MatMul or Gemm writing {@code dst} after its post-ops. */
    private void emitMain(Chain c) throws UnsupportedSegmentException {
        MemorySegment attr = create(arena, "dnnl_primitive_attr_create");
        try {
            String addend = null;
            if (!c.post().isEmpty()) {
                MemorySegment ops = create(arena, "dnnl_post_ops_create");
                try {
                    for (PostOp p : c.post()) {
                        if (p.alg() == SUM) {
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
            long[] y = values.shape(c.dst());
            List<In> ins = new ArrayList<>();
            MemorySegment desc;
            if (c.op().opType().equals("Conv")) {
                // The sum post-op accumulates into the destination: keep an intermediate addend's layout.
                Val sum = addend == null || !values.placed(addend) ? null : values.val(addend);
                MemorySegment dstMd = sum != null && sum.internal ? sum.md : values.placed(c.dst()) ? rowMajor(arena, y) : Dnnl.anyLayout(arena, y);
                desc = convDesc(c.op(), dstMd, ins);
            } else {
                desc = matmulDesc(c.op(), attr, y, c.biasAdd(), ins);
            }
            values.emit(primitiveDesc(desc, attr), ins, c.dst(), addend);
        } finally {
            call("dnnl_primitive_attr_destroy", attr);
        }
    }

    private MemorySegment convDesc(OpView op, MemorySegment dstMd, List<In> ins) throws UnsupportedSegmentException {
        long[] x = values.shape(op.inputs().get(0));
        long[] w = values.shape(op.inputs().get(1));
        Window win = OneDnnAccelerator.conv(op, x, w, values.shape(op.outputs().get(0)));
        long g = op.intAttr("group", 1);
        // Grouped weights [M, C/g, kH, kW] are goihw [g, M/g, C/g, kH, kW] over the same bytes.
        long[] wDims = g == 1 ? w : new long[] { g, w[0] / g, w[1], w[2], w[3] };
        MemorySegment bMd = MemorySegment.NULL;
        ins.add(new In(Dnnl.ARG_SRC, op.inputs().get(0), null));
        ins.add(new In(Dnnl.ARG_WEIGHTS, op.inputs().get(1), rowMajor(arena, wDims)));
        if (op.hasInput(2)) {
            long[] b = values.shape(op.inputs().get(2));
            if (b.length != 1 || b[0] != w[0]) {
                throw no("Conv bias of shape " + Arrays.toString(b));
            }
            bMd = rowMajor(arena, b);
            ins.add(new In(Dnnl.ARG_BIAS, op.inputs().get(2), bMd));
        }
        long[] dil = { win.dilations()[0] - 1, win.dilations()[1] - 1 }; // oneDNN counts skipped elements
        return opDesc("dnnl_dilated_convolution_forward_desc_init", Dnnl.FORWARD_INFERENCE, Dnnl.CONVOLUTION_DIRECT,
                        Dnnl.anyLayout(arena, x), Dnnl.anyLayout(arena, wDims), bMd, dstMd, dims(arena, win.strides()), dims(arena, dil),
                        dims(arena, win.padBegin()), dims(arena, win.padEnd()));
    }

    private MemorySegment matmulDesc(OpView op, MemorySegment attr, long[] y, String biasAdd, List<In> ins) throws UnsupportedSegmentException {
        long[] a = values.shape(op.inputs().get(0));
        long[] b = values.shape(op.inputs().get(1));
        MemorySegment aMd, bMd, biasMd = MemorySegment.NULL;
        String bValue = op.inputs().get(1);
        if (op.opType().equals("Gemm")) {
            boolean ta = op.intAttr("transA", 0) != 0, tb = op.intAttr("transB", 0) != 0;
            long m = ta ? a[1] : a[0], k = ta ? a[0] : a[1], n = tb ? b[0] : b[1];
            if ((tb ? b[1] : b[0]) != k || y.length != 2 || y[0] != m || y[1] != n) {
                throw no("Gemm shapes " + Arrays.toString(a) + " x " + Arrays.toString(b) + " -> " + Arrays.toString(y) + " do not fit");
            }
            // Transposition is just another stride order over the same bytes.
            aMd = Dnnl.strided(arena, new long[] { m, k }, ta ? new long[] { 1, m } : new long[] { k, 1 });
            bMd = Dnnl.strided(arena, new long[] { k, n }, tb ? new long[] { 1, k } : new long[] { n, 1 });
            float alpha = (float) op.floatAttr("alpha", 1), beta = (float) op.floatAttr("beta", 1);
            boolean hasC = op.hasInput(2) && beta != 0;
            if (alpha != 1 && hasC) {
                bValue = scaledConstant(bValue, alpha); // alpha*(A*B) + C = A*(alpha*B) + C
            } else if (alpha != 1) {
                call("dnnl_primitive_attr_set_output_scales", attr, 1L, 0, arena.allocateFrom(ValueLayout.JAVA_FLOAT, alpha));
            }
            if (hasC) {
                String c = op.inputs().get(2);
                long[] cs = Shapes.padLeft(values.shape(c), 2);
                if (!Shapes.broadcastsTo(cs, y)) {
                    throw no("Gemm C " + Arrays.toString(cs) + " does not broadcast to " + Arrays.toString(y));
                }
                biasMd = rowMajor(arena, cs);
                ins.add(new In(Dnnl.ARG_BIAS, beta == 1 ? c : scaledConstant(c, beta), biasMd));
            }
        } else {
            aMd = rowMajor(arena, Shapes.padLeft(a, y.length));
            bMd = rowMajor(arena, Shapes.padLeft(b, y.length));
        }
        if (biasAdd != null) {
            biasMd = rowMajor(arena, Shapes.padLeft(values.shape(biasAdd), y.length));
            ins.add(new In(Dnnl.ARG_BIAS, biasAdd, biasMd));
        }
        ins.add(new In(Dnnl.ARG_SRC, op.inputs().get(0), aMd));
        ins.add(new In(Dnnl.ARG_WEIGHTS, bValue, bMd));
        // Constant weights are reordered once into the layout the matmul kernel prefers; others are read as they are.
        MemorySegment weightsMd = values.isConstant(bValue) ? Dnnl.anyLayout(arena, Dnnl.dimsOf(bMd)) : bMd;
        return opDesc("dnnl_matmul_desc_init", aMd, weightsMd, biasMd, rowMajor(arena, y));
    }

    /** A private copy of constant {@code value} times {@code factor}, under a fresh name. */
    private String scaledConstant(String value, float factor) throws UnsupportedSegmentException {
        Tensor c = graph.constants().get(value);
        if (c == null || c.dtype() != DType.FLOAT) {
            throw no("'" + value + "' must be a float32 constant to fold alpha/beta");
        }
        long n = c.elementCount();
        MemorySegment copy = arena.allocate(Math.max(4, n * 4), 64);
        for (long i = 0; i < n; i++) {
            copy.setAtIndex(ValueLayout.JAVA_FLOAT, i, c.getFloat(i) * factor);
        }
        return values.constant(value + "#scaled", copy, c.shape());
    }

    /** Pooling, eltwise, BatchNormalization, LRN, binary ops, Softmax, Concat (each in the layout of its input), reshapes. */
    private void emitSimple(OpView op, long[][] in) throws UnsupportedSegmentException {
        String x = op.inputs().get(0), y = op.outputs().get(0);
        long[] ys = values.shape(y);
        List<In> ins = new ArrayList<>();
        MemorySegment desc;
        switch (op.opType()) {
            case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool" -> {
                Window win = op.opType().startsWith("Global")
                                ? new Window(new long[] { in[0][2], in[0][3] }, new long[] { 1, 1 }, new long[] { 1, 1 }, new long[2], new long[2])
                                : OneDnnAccelerator.pool(op, in[0], ys);
                int alg = op.opType().endsWith("MaxPool") ? Dnnl.POOLING_MAX
                                : op.intAttr("count_include_pad", 0) != 0 ? Dnnl.POOLING_AVG_INCLUDE_PADDING : Dnnl.POOLING_AVG_EXCLUDE_PADDING;
                desc = opDesc("dnnl_pooling_forward_desc_init", Dnnl.FORWARD_INFERENCE, alg, values.val(x).md,
                                Dnnl.anyLayout(arena, ys), dims(arena, win.strides()), dims(arena, win.kernel()), dims(arena, win.padBegin()),
                                dims(arena, win.padEnd()));
                ins.add(new In(Dnnl.ARG_SRC, x, null));
            }
            case "Softmax" -> {
                desc = opDesc("dnnl_softmax_forward_desc_init", Dnnl.FORWARD_INFERENCE, values.val(x).md,
                                OneDnnAccelerator.softmaxAxis(op, in[0]));
                ins.add(new In(Dnnl.ARG_SRC, x, null));
            }
            case "Concat" -> {
                // Each input in its own layout; the primitive picks the output's.
                int n = op.inputs().size();
                MemorySegment srcs = arena.allocate(Dnnl.MEMORY_DESC_SIZE * n, 8);
                for (int i = 0; i < n; i++) {
                    srcs.asSlice(i * Dnnl.MEMORY_DESC_SIZE, Dnnl.MEMORY_DESC_SIZE).copyFrom(values.val(op.inputs().get(i)).md);
                    ins.add(new In(Dnnl.ARG_MULTIPLE_SRC + i, op.inputs().get(i), null));
                }
                values.emit(seg.descriptor("dnnl_concat_primitive_desc_create", Dnnl.anyLayout(arena, ys), n, OneDnnAccelerator.concatAxis(op, in),
                                srcs, MemorySegment.NULL, seg.engine), ins, y, null);
                return;
            }
            case "Reshape", "Flatten", "Squeeze", "Unsqueeze" -> {
                // The input's row-major bytes seen with the output's dims, copied by a reorder between plain layouts.
                MemorySegment yMd = rowMajor(arena, ys);
                ins.add(new In(Dnnl.ARG_SRC, x, yMd));
                values.emit(values.reorderDesc(yMd, yMd), ins, y, null);
                return;
            }
            case "BatchNormalization" -> {
                long c = in[0][1];
                String[] names = { "scale", "B", "mean", "var" };
                int[] kinds = { Dnnl.ARG_SCALE, Dnnl.ARG_SHIFT, Dnnl.ARG_MEAN, Dnnl.ARG_VARIANCE };
                ins.add(new In(Dnnl.ARG_SRC, x, null));
                for (int i = 1; i <= 4; i++) {
                    if (in[i].length != 1 || in[i][0] != c) {
                        throw no("BatchNormalization " + names[i - 1] + " of shape " + Arrays.toString(in[i]) + ", expected [" + c + "]");
                    }
                    ins.add(new In(kinds[i - 1], op.inputs().get(i), rowMajor(arena, c)));
                }
                desc = opDesc("dnnl_batch_normalization_forward_desc_init", Dnnl.FORWARD_INFERENCE, values.val(x).md,
                                (float) op.floatAttr("epsilon", 1e-5), Dnnl.BNORM_INFERENCE_FLAGS);
            }
            case "Add", "Sum", "Mul", "Sub", "Div", "Max", "Min" -> {
                // oneDNN broadcasts only src1: put the full-size operand first where the op commutes.
                int big = Arrays.equals(in[0], ys) ? 0 : 1;
                if (!Arrays.equals(in[big], ys) || (big == 1 && OneDnnAccelerator.ORDERED.contains(op.opType()))) {
                    throw no(op.opType() + " of " + Arrays.toString(in[0]) + " and " + Arrays.toString(in[1]) + " to " + Arrays.toString(ys)
                                    + ": the first input must be full size");
                }
                String a = op.inputs().get(big), b = op.inputs().get(1 - big);
                MemorySegment aMd = values.val(a).md;
                boolean sameShape = Arrays.equals(in[1 - big], ys);
                // A same-shape operand is read in the first one's layout, a broadcast one row-major.
                MemorySegment bMd = sameShape ? aMd : rowMajor(arena, Shapes.padLeft(in[1 - big], ys.length));
                ins.add(new In(Dnnl.ARG_SRC, a, null));
                ins.add(new In(Dnnl.ARG_SRC_1, b, sameShape ? null : bMd));
                // val(a).dims() rather than ys: a rank-0 value is stored as [1].
                desc = opDesc("dnnl_binary_desc_init", Dnnl.BINARY.get(op.opType()), aMd, bMd,
                                Dnnl.anyLayout(arena, values.val(a).dims()));
            }
            case "LRN" -> {
                desc = opDesc("dnnl_lrn_forward_desc_init", Dnnl.FORWARD_INFERENCE, Dnnl.LRN_ACROSS_CHANNELS, values.val(x).md,
                                op.intAttr("size", 1), (float) op.floatAttr("alpha", 1e-4), (float) op.floatAttr("beta", 0.75),
                                (float) op.floatAttr("bias", 1));
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
                values.emit(values.reorderDesc(view, rowMajor(arena, ys)), ins, y, null);
                return;
            }
            default -> {
                float[] e = eltwise(op);
                if (!Arrays.equals(in[0], ys)) {
                    throw no(op.opType() + " output " + Arrays.toString(ys) + " differs from its input");
                }
                desc = opDesc("dnnl_eltwise_forward_desc_init", Dnnl.FORWARD_INFERENCE, (int) e[0], values.val(x).md, e[1], e[2]);
                ins.add(new In(Dnnl.ARG_SRC, x, null));
            }
        }
        values.emit(primitiveDesc(desc, MemorySegment.NULL), ins, y, null);
    }

    private MemorySegment opDesc(String init, Object... args) {
        return Dnnl.opDesc(arena, init, args);
    }

    private MemorySegment primitiveDesc(MemorySegment desc, MemorySegment attr) {
        return seg.descriptor("dnnl_primitive_desc_create", desc, attr, seg.engine, MemorySegment.NULL);
    }
}
