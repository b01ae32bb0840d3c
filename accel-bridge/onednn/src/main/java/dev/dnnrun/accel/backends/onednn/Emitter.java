package dev.dnnrun.accel.backends.onednn;

import static dev.dnnrun.accel.backends.onednn.Dnnl.ARG_SRC;
import static dev.dnnrun.accel.backends.onednn.Dnnl.FORWARD_INFERENCE;
import static dev.dnnrun.accel.backends.onednn.Dnnl.anyLayout;
import static dev.dnnrun.accel.backends.onednn.Dnnl.call;
import static dev.dnnrun.accel.backends.onednn.Dnnl.dims;
import static dev.dnnrun.accel.backends.onednn.Dnnl.opDesc;
import static dev.dnnrun.accel.backends.onednn.Dnnl.rowMajor;
import static dev.dnnrun.accel.backends.onednn.OneDnnAccelerator.require;
import static java.lang.foreign.MemorySegment.NULL;

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
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.backends.onednn.OneDnnSegment.Arg;
import dev.dnnrun.accel.backends.onednn.OneDnnSegment.Val;
import dev.dnnrun.accel.support.Gemm;
import dev.dnnrun.accel.support.Shapes;
import dev.dnnrun.accel.support.Window;
import dev.dnnrun.tensor.Tensor;

/**
 * Turns a segment's operators into oneDNN primitives, in order. Conv leaves its source, weight and destination
 * layouts to oneDNN ("any"), which picks the blocked ones its fast kernels want (nChw16c, OIhw16i16o on AVX-512);
 * MatMul and Gemm choose their weight layout; the other ops work in the layout of their input.
 */
final class Emitter {
    /** The ops that take post-ops. */
    private static final Set<String> MAIN = Set.of("Conv", "MatMul", "Gemm");

    private final OneDnnSegment seg;
    private final Segment graph;
    private final Arena arena;
    /** Which ops read each value, by index. */
    private final Map<String, List<Integer>> consumers = new HashMap<>();
    /** Ops fused into an earlier Conv/MatMul/Gemm. */
    private final Set<Integer> fused = new HashSet<>();

    /** An eltwise op as oneDNN's algorithm with its parameters. */
    private record Eltwise(int alg, float alpha, float beta) {
    }

    /**
     * A Conv/MatMul/Gemm with the ops fused into it: primitive attributes {@code attr} with their post-ops, the sum
     * post-op's {@code addend} and MatMul/Gemm's {@code bias} (each or null); it writes {@code dst} and is emitted
     * where its last op stood.
     */
    private record Chain(OpView op, MemorySegment attr, String addend, String bias, String dst, int lastOp) {
    }

    Emitter(OneDnnSegment seg, Segment graph) {
        this.seg = seg;
        this.graph = graph;
        this.arena = seg.arena;
        for (int i = 0; i < graph.ops().size(); i++) {
            for (String v : graph.ops().get(i).inputs()) {
                consumers.computeIfAbsent(v, k -> new ArrayList<>()).add(i);
            }
        }
    }

    void emitAll() throws UnsupportedSegmentException {
        for (OpView op : graph.ops()) {
            OneDnnAccelerator.check(op); // all of them before fusion looks at any
        }
        Map<Integer, Chain> deferred = new HashMap<>();
        for (int i = 0; i < graph.ops().size(); i++) {
            OpView op = graph.ops().get(i);
            if (MAIN.contains(op.opType())) {
                Chain c = chain(i);
                deferred.put(c.lastOp(), c);
            }
            Chain c = deferred.remove(i);
            try {
                if (c != null) {
                    emitMain(c);
                } else if (!MAIN.contains(op.opType()) && !fused.contains(i)) {
                    emitSimple(op);
                }
            } catch (IllegalStateException e) { // oneDNN rejected the op (a chain's head): name it with its shapes
                OpView o = c == null ? op : c.op();
                String in = o.inputs().stream().filter(v -> !v.isEmpty())
                                .map(v -> v + " " + Arrays.toString(graph.typeOf(v).shape()) + " ").collect(Collectors.joining());
                String y = o.outputs().get(0);
                throw new UnsupportedSegmentException(o.describe() + ": oneDNN rejected shapes " + in + "-> " + y + " "
                                + Arrays.toString(graph.typeOf(y).shape()) + " (" + e.getMessage() + ")", e);
            }
        }
    }

    /**
     * Op {@code i} with the single-consumer eltwise and same-shape Add/Sum ops after it, fused as post-ops; an Add
     * right after a MatMul/Gemm whose other side broadcasts to its rows becomes its bias. A residual Add of two Convs
     * is taken by the first Conv; the second must not fuse it again.
     */
    private Chain chain(int i) throws UnsupportedSegmentException {
        OpView op = graph.ops().get(i);
        MemorySegment attr = seg.own("dnnl_primitive_attr_create"), postOps = seg.own("dnnl_post_ops_create");
        String last = op.outputs().get(0), addend = null, bias = null;
        // A bias only where no output scale (Gemm alpha) could apply before or after it.
        boolean biasable = op.opType().equals("MatMul") || op.opType().equals("Gemm") && !op.hasInput(2) && op.floatAttr("alpha", 1) == 1;
        int lastOp = i;
        while (!graph.outputs().contains(last) && consumers.getOrDefault(last, List.of()).size() == 1 && !fused.contains(consumers.get(last).get(0))) {
            int k = consumers.get(last).get(0);
            OpView next = graph.ops().get(k);
            List<String> in = next.inputs();
            boolean add = (next.opType().equals("Add") || next.opType().equals("Sum")) && in.size() == 2 && !in.get(0).equals(in.get(1));
            String other = add ? in.get(in.get(0).equals(last) ? 1 : 0) : null;
            if (Dnnl.ELTWISE.containsKey(next.opType())) {
                Eltwise e = eltwise(next);
                call("dnnl_post_ops_append_eltwise", postOps, 1f, e.alg(), e.alpha(), e.beta());
            } else if (add && Arrays.equals(seg.shape(other), seg.shape(last))) {
                call("dnnl_post_ops_append_sum", postOps, 1f);
                addend = other;
            } else if (add && lastOp == i && biasable && Shapes.broadcastsTo(seg.shape(other), seg.shape(last))) {
                bias = other;
            } else {
                break;
            }
            fused.add(k);
            last = next.outputs().get(0);
            lastOp = k;
        }
        call("dnnl_primitive_attr_set_post_ops", attr, postOps);
        return new Chain(op, attr, addend, bias, last, lastOp);
    }

    private static Eltwise eltwise(OpView op) throws UnsupportedSegmentException {
        float[] clip = op.opType().equals("Clip") ? OneDnnAccelerator.clipBounds(op) : new float[2];
        float alpha = op.opType().equals("LeakyRelu") ? (float) op.floatAttr("alpha", 0.01) : clip[0];
        return new Eltwise(Dnnl.ELTWISE.get(op.opType()), alpha, clip[1]);
    }

    /** Chain {@code c}'s Conv, MatMul or Gemm writing the chain's {@code dst} after its post-ops. */
    private void emitMain(Chain c) throws UnsupportedSegmentException {
        List<Arg> ins = new ArrayList<>();
        MemorySegment desc = c.op().opType().equals("Conv") ? convDesc(c, ins) : matmulDesc(c, ins);
        seg.emit(seg.own("dnnl_primitive_desc_create", desc, c.attr(), seg.engine, NULL), ins, c.dst(), c.addend());
    }

    private MemorySegment convDesc(Chain c, List<Arg> ins) throws UnsupportedSegmentException {
        OpView op = c.op();
        long[] x = seg.shape(op.inputs().get(0)), w = seg.shape(op.inputs().get(1)), y = seg.shape(c.dst());
        // The sum post-op accumulates into the destination: keep an intermediate addend's layout.
        Val sum = c.addend() == null ? null : seg.val(c.addend());
        MemorySegment dstMd = sum != null && sum.internal ? sum.md : graph.outputs().contains(c.dst()) ? rowMajor(arena, y) : anyLayout(arena, y);
        Window win = Window.of(op, new long[] { w[2], w[3] }, x);
        long g = op.intAttr("group", 1);
        // Grouped weights [M, C/g, kH, kW] are goihw [g, M/g, C/g, kH, kW] over the same bytes.
        long[] wDims = g == 1 ? w : new long[] { g, w[0] / g, w[1], w[2], w[3] };
        ins.add(new Arg(ARG_SRC, op.inputs().get(0), null));
        ins.add(new Arg(Dnnl.ARG_WEIGHTS, op.inputs().get(1), rowMajor(arena, wDims)));
        MemorySegment bMd = op.hasInput(2) ? rowMajor(arena, seg.shape(op.inputs().get(2))) : NULL;
        if (op.hasInput(2)) {
            ins.add(new Arg(Dnnl.ARG_BIAS, op.inputs().get(2), null));
        }
        long[] dil = { win.dilations()[0] - 1, win.dilations()[1] - 1 }; // oneDNN counts skipped elements
        return opDesc(arena, "dnnl_dilated_convolution_forward_desc_init", FORWARD_INFERENCE, Dnnl.CONVOLUTION_DIRECT, anyLayout(arena, x),
                        anyLayout(arena, wDims), bMd, dstMd, dims(arena, win.strides()), dims(arena, dil), dims(arena, win.padBegin()),
                        dims(arena, win.padEnd()));
    }

    private MemorySegment matmulDesc(Chain c, List<Arg> ins) throws UnsupportedSegmentException {
        OpView op = c.op();
        long[] a = seg.shape(op.inputs().get(0)), b = seg.shape(op.inputs().get(1)), y = seg.shape(c.dst());
        MemorySegment aMd, bMd, biasMd = NULL;
        String bValue = op.inputs().get(1), biasValue = c.bias();
        if (op.opType().equals("Gemm")) {
            // Transposition is just another stride order over the same bytes.
            Gemm g = Gemm.of(op, a, b);
            aMd = Dnnl.strided(arena, new long[] { g.rows(), g.inner() }, g.stridesA());
            bMd = Dnnl.strided(arena, new long[] { g.inner(), g.cols() }, g.stridesB());
            if (g.alpha() != 1 && g.beta() != 0) {
                bValue = seg.scaled(bValue, g.alpha()); // alpha*(A*B) + C = A*(alpha*B) + C
            } else if (g.alpha() != 1) {
                call("dnnl_primitive_attr_set_output_scales", c.attr(), 1L, 0, arena.allocateFrom(ValueLayout.JAVA_FLOAT, g.alpha()));
            }
            if (g.beta() != 0) { // beta is 0 without a C
                biasValue = g.beta() == 1 ? op.inputs().get(2) : seg.scaled(op.inputs().get(2), g.beta());
            }
        } else {
            aMd = rowMajor(arena, Shapes.padLeft(a, y.length));
            bMd = rowMajor(arena, Shapes.padLeft(b, y.length));
        }
        if (biasValue != null) { // Gemm's C or an Add fused into MatMul
            biasMd = rowMajor(arena, Shapes.padLeft(seg.val(biasValue).dims(), y.length));
            ins.add(new Arg(Dnnl.ARG_BIAS, biasValue, biasMd));
        }
        ins.add(new Arg(ARG_SRC, op.inputs().get(0), aMd));
        ins.add(new Arg(Dnnl.ARG_WEIGHTS, bValue, bMd));
        // Constant weights are reordered once into the layout the matmul kernel prefers; others are read as they are.
        MemorySegment weightsMd = seg.val(bValue).constant ? anyLayout(arena, Dnnl.dimsOf(bMd)) : bMd;
        return opDesc(arena, "dnnl_matmul_desc_init", aMd, weightsMd, biasMd, rowMajor(arena, y));
    }

    /**
     * The ops without post-ops. Concat, Transpose and the reshapes are copies; the others are one op descriptor each,
     * reading their input in its own layout.
     */
    private void emitSimple(OpView op) throws UnsupportedSegmentException {
        String type = op.opType(), x = op.inputs().get(0), y = op.outputs().get(0);
        long[] xs = seg.shape(x), ys = seg.shape(y);
        MemorySegment src = seg.val(x).md;
        List<Arg> ins = new ArrayList<>(List.of(new Arg(ARG_SRC, x, null)));
        MemorySegment pd = switch (type) {
            case "Concat" -> {
                // Each input in its own layout; the primitive picks the output's.
                int n = op.inputs().size();
                MemorySegment srcs = arena.allocate(Dnnl.MEMORY_DESC_SIZE * n, 8);
                ins.clear();
                for (int i = 0; i < n; i++) {
                    srcs.asSlice(i * Dnnl.MEMORY_DESC_SIZE, Dnnl.MEMORY_DESC_SIZE).copyFrom(seg.val(op.inputs().get(i)).md);
                    ins.add(new Arg(Dnnl.ARG_MULTIPLE_SRC + i, op.inputs().get(i), null));
                }
                int axis = Shapes.axis(type, op.intAttr("axis", 0), xs.length);
                yield seg.own("dnnl_concat_primitive_desc_create", anyLayout(arena, ys), n, axis, srcs, NULL, seg.engine);
            }
            case "Reshape", "Flatten", "Squeeze", "Unsqueeze" -> {
                // The input's row-major bytes seen with the output's dims, copied by a reorder between plain layouts.
                require(Tensor.elementCount(xs) == Tensor.elementCount(ys), op.describe() + " of " + Arrays.toString(xs) + " to " + Arrays.toString(ys));
                MemorySegment yMd = rowMajor(arena, ys);
                ins.set(0, new Arg(ARG_SRC, x, yMd));
                yield seg.reorderDesc(yMd, yMd);
            }
            case "Transpose" -> {
                // The input's row-major bytes seen in the output's index order (permuted strides), reordered to row-major.
                long[] perm = op.intsAttr("perm"), xDims = seg.val(x).dims(), xStrides = Dnnl.rowMajorStrides(xDims);
                int[] from = IntStream.range(0, xDims.length).map(d -> perm == null ? xDims.length - 1 - d : (int) perm[d]).toArray();
                MemorySegment view = Dnnl.strided(arena, Arrays.stream(from).mapToLong(d -> xDims[d]).toArray(),
                                Arrays.stream(from).mapToLong(d -> xStrides[d]).toArray());
                ins.set(0, new Arg(ARG_SRC, x, view));
                yield seg.reorderDesc(view, rowMajor(arena, ys));
            }
            case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool" -> {
                Window w = OneDnnAccelerator.poolWindow(op, xs);
                int alg = type.endsWith("MaxPool") ? Dnnl.POOLING_MAX
                                : op.intAttr("count_include_pad", 0) != 0 ? Dnnl.POOLING_AVG_INCLUDE_PADDING : Dnnl.POOLING_AVG_EXCLUDE_PADDING;
                yield pd("dnnl_pooling_forward_desc_init", FORWARD_INFERENCE, alg, src, anyLayout(arena, ys),
                                dims(arena, w.strides()), dims(arena, w.kernel()), dims(arena, w.padBegin()), dims(arena, w.padEnd()));
            }
            case "Softmax" -> pd("dnnl_softmax_forward_desc_init", FORWARD_INFERENCE, src, OneDnnAccelerator.softmaxAxis(op, xs));
            case "LRN" -> pd("dnnl_lrn_forward_desc_init", FORWARD_INFERENCE, Dnnl.LRN_ACROSS_CHANNELS, src, op.intAttr("size", 1),
                            (float) op.floatAttr("alpha", 1e-4), (float) op.floatAttr("beta", 0.75), (float) op.floatAttr("bias", 1));
            case "BatchNormalization" -> {
                for (int i = 1; i <= 4; i++) {
                    ins.add(new Arg(Dnnl.BNORM_ARGS[i - 1], op.inputs().get(i), null));
                }
                yield pd("dnnl_batch_normalization_forward_desc_init", FORWARD_INFERENCE, src, (float) op.floatAttr("epsilon", 1e-5),
                                Dnnl.BNORM_INFERENCE_FLAGS);
            }
            case "Add", "Sum", "Mul", "Sub", "Div", "Max", "Min" -> {
                // oneDNN broadcasts only src1: the full-size operand goes first (check allowed the swap only where the op commutes).
                int big = Shapes.broadcastsTo(seg.shape(op.inputs().get(1)), xs) ? 0 : 1;
                String a = op.inputs().get(big), b = op.inputs().get(1 - big);
                Val full = seg.val(a);
                boolean sameShape = Arrays.equals(seg.shape(a), seg.shape(b));
                // A same-shape operand is read in the first one's layout, a broadcast one row-major.
                MemorySegment bMd = sameShape ? full.md : rowMajor(arena, Shapes.padLeft(seg.shape(b), full.dims().length));
                ins.set(0, new Arg(ARG_SRC, a, null));
                ins.add(new Arg(Dnnl.ARG_SRC_1, b, sameShape ? null : bMd));
                // full.dims() rather than its shape: a rank-0 value is stored as [1].
                yield pd("dnnl_binary_desc_init", Dnnl.BINARY.get(type), full.md, bMd, anyLayout(arena, full.dims()));
            }
            default -> {
                Eltwise e = eltwise(op);
                yield pd("dnnl_eltwise_forward_desc_init", FORWARD_INFERENCE, e.alg(), src, e.alpha(), e.beta());
            }
        };
        seg.emit(pd, ins, y, null);
    }

    /** The primitive descriptor, without attributes, of the op descriptor that {@code init(desc, args...)} fills in. */
    private MemorySegment pd(String init, Object... args) {
        return seg.own("dnnl_primitive_desc_create", opDesc(arena, init, args), NULL, seg.engine, NULL);
    }
}
