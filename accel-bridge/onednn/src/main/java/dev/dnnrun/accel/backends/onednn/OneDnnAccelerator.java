package dev.dnnrun.accel.backends.onednn;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Pattern;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.Support;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.support.Gemm;
import dev.dnnrun.accel.support.Shapes;
import dev.dnnrun.accel.support.Window;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * oneDNN 2.6 (Debian {@code libdnnl-dev}) through {@code java.lang.foreign}: float32 Conv, MatMul, Gemm, pooling
 * (also global), eltwise, BatchNormalization, LRN, the binary ops, Concat, Softmax, Transpose and the reshapes
 * (Reshape, Flatten, Squeeze, Unsqueeze: a copy of row-major bytes, which keeps them from splitting a segment).
 * Segment inputs and outputs are the Arrow buffers themselves; inside a segment values keep the layouts oneDNN
 * prefers (see OneDnnSegment). A Conv/MatMul/Gemm followed in the segment by eltwise ops and same-shape Adds/Sums (e.g.
 * ResNet's Conv → Sum(residual) → Relu) runs as one primitive with post-ops.
 *
 * <p>{@link #supports} checks what oneDNN cannot know: the ONNX semantics it would compute differently (or that the
 * backend maps onto it in one way only), dtypes, ranks and attributes. Whether the shapes fit together is oneDNN's
 * to check when compile creates the primitives; a rejection there names the op and its shapes.
 *
 * <p>Threads: Debian's oneDNN runs on OpenMP (libgomp), which by default uses one thread per core (or
 * {@code OMP_NUM_THREADS}). The system property {@code dnnrun.onednn.threads=N} sets the OpenMP thread count
 * ({@code omp_set_num_threads}) on every thread that compiles or executes a segment, e.g. {@code 1} to compare with a
 * single-threaded ONNX Runtime. Unset, OpenMP's default is left alone; a value that is not a positive integer, or a
 * oneDNN without OpenMP, makes the backend unavailable with the reason.
 */
public final class OneDnnAccelerator implements Accelerator {
    /** Ops that only rename the dims of row-major bytes; their other inputs (shape, axes) must be constants. */
    static final Set<String> RESHAPES = Set.of("Reshape", "Flatten", "Squeeze", "Unsqueeze");
    static final Set<String> OPS = Stream.of(Set.of("Conv", "MatMul", "Gemm", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
                    "BatchNormalization", "LRN", "Concat", "Softmax", "Transpose"), RESHAPES, Dnnl.ELTWISE.keySet(), Dnnl.BINARY.keySet())
                    .flatMap(Set::stream).collect(Collectors.toUnmodifiableSet());

    @Override
    public String name() {
        return "onednn";
    }

    @Override
    public String unavailableReason() {
        try {
            return Dnnl.unavailable;
        } catch (Throwable t) {
            return Dnnl.LIBRARY + " unusable: " + t;
        }
    }

    @Override
    public Support supports(OpView op) {
        try {
            check(op);
            return Support.yes();
        } catch (UnsupportedSegmentException e) {
            return Support.no(e.getMessage());
        } catch (RuntimeException e) {
            return Support.no(op.opType() + ": " + e.getMessage());
        }
    }

    @Override
    public List<Pattern> patterns() {
        return List.of(Pattern.of("Conv+Relu", "Conv", "Relu"), Pattern.of("Conv+Add+Relu", "Conv", "Add", "Relu"),
                        Pattern.of("Conv+Sum+Relu", "Conv", "Sum", "Relu"), Pattern.of("Conv+Add", "Conv", "Add"),
                        Pattern.of("Conv+Sum", "Conv", "Sum"), Pattern.of("MatMul+Add", "MatMul", "Add"),
                        Pattern.of("Gemm+Relu", "Gemm", "Relu"));
    }

    @Override
    public CompiledSegment compile(Segment segment) throws UnsupportedSegmentException {
        require(unavailableReason() == null, unavailableReason());
        return new OneDnnSegment(segment);
    }

    /** Throws {@code reason} unless {@code ok}. */
    static void require(boolean ok, String reason) throws UnsupportedSegmentException {
        if (!ok) {
            throw new UnsupportedSegmentException(reason);
        }
    }

    /**
     * Throws with the reason unless oneDNN can run {@code op} as ONNX defines it, as far as that can be told without
     * oneDNN (sizes may be -1 at load time). Compile checks every op again, with the segment's static shapes.
     */
    static void check(OpView op) throws UnsupportedSegmentException {
        String type = op.opType();
        require(op.domain().isEmpty() || op.domain().equals("ai.onnx"), type + " of domain " + op.domain());
        require(OPS.contains(type), type + ": not an operator the onednn backend runs");
        long[][] in = new long[op.inputs().size()][];
        for (int i = 0; i < in.length; i++) {
            TensorType t = op.inputType(i);
            if (op.hasInput(i) && i > 0 && RESHAPES.contains(type)) {
                require(op.constant(i) != null, type + " with a computed " + (type.equals("Reshape") ? "shape" : "axes") + " input");
            } else if (op.hasInput(i)) {
                require(t != null && t.dtype() == DType.FLOAT, type + " with dtype " + (t == null ? "unknown" : t.dtype().displayName) + ": only float32");
                require(t.shape() != null && t.rank() <= Dnnl.MAX_DIMS, type + " input " + i + " of unknown rank or rank above " + Dnnl.MAX_DIMS);
                in[i] = t.shape();
            }
        }
        TensorType out = op.outputType(0);
        require(out != null && out.shape() != null && out.rank() <= Dnnl.MAX_DIMS, type + " output of unknown rank or rank above " + Dnnl.MAX_DIMS);
        switch (type) {
            case "Conv" -> {
                nchw(op, in[0], in[1]);
                require(op.intAttr("group", 1) >= 1, "Conv group=" + op.intAttr("group", 1));
                Window.of(op, new long[] { 1, 1 }, in[0]); // checks strides, dilations, pads and auto_pad; sizes are oneDNN's to check
            }
            case "MaxPool", "AveragePool" -> {
                nchw(op, in[0]);
                require(op.outputs().size() < 2 || op.outputs().get(1).isEmpty(), "MaxPool with an Indices output");
                Window win = poolWindow(op, in[0]);
                require(Arrays.stream(win.dilations()).allMatch(d -> d == 1), type + " with dilations " + Arrays.toString(win.dilations()));
                // oneDNN rounds output sizes down; ceil_mode=1 rounds up, which only sometimes gives the same sizes.
                require(op.intAttr("ceil_mode", 0) == 0 || win.fits(in[0], out.shape()), type + " ceil_mode=1 (its output size differs from oneDNN's)");
            }
            case "GlobalAveragePool", "GlobalMaxPool" -> nchw(op, in[0]);
            case "MatMul" -> require(in[0].length >= 2 && in[1].length >= 2, "MatMul with a 1-D input");
            case "Gemm" -> {
                Gemm.of(op, in[0], in[1]); // 2-D inputs whose inner sizes agree
                // alpha and beta fold into constant B or C where there is a C (see Emitter)
                require(!op.hasInput(2) || op.floatAttr("beta", 1) == 1 || op.constant(2) != null, "Gemm beta != 1 with a non-constant C");
                require(!op.hasInput(2) || op.floatAttr("alpha", 1) == 1 || op.constant(1) != null, "Gemm alpha != 1 with C and a non-constant B");
            }
            case "BatchNormalization" -> {
                require(in[0].length >= 2 && in[0].length <= 5, "BatchNormalization of rank " + in[0].length + ": only 2 to 5");
                require(op.intAttr("training_mode", 0) == 0 && op.outputs().size() == 1, "BatchNormalization in training mode");
                require(op.intAttr("spatial", 1) == 1, "BatchNormalization spatial=0");
                require(op.inputs().size() == 5, "BatchNormalization with " + op.inputs().size() + " inputs");
            }
            case "Add", "Sum", "Mul", "Sub", "Div", "Max", "Min" -> {
                // Sum/Max/Min of two inputs are binary ops (Sum-6 requires equal shapes, Sum-8 broadcasts like Add).
                require(in.length == 2, type + " of " + in.length + " inputs: only two");
                // oneDNN broadcasts only its second input: the first must be the full-size one, after a swap where the op commutes.
                boolean swaps = !type.equals("Sub") && !type.equals("Div");
                require(Shapes.broadcastsTo(in[1], in[0]) || (swaps && Shapes.broadcastsTo(in[0], in[1])), type + " of " + Arrays.toString(in[0])
                                + " and " + Arrays.toString(in[1]) + (swaps ? ": only same shapes or one side broadcast to the other"
                                                : ": only the second input may broadcast"));
            }
            case "LRN" -> {
                nchw(op, in[0]);
                long size = op.intAttr("size", 0);
                require(size % 2 != 0, "LRN size " + size + ": only odd sizes (oneDNN centres an even window differently)");
            }
            case "Transpose" -> {
                long[] perm = op.intsAttr("perm");
                require(perm == null || Arrays.equals(Arrays.stream(perm).sorted().toArray(), LongStream.range(0, in[0].length).toArray()),
                                "Transpose perm " + Arrays.toString(perm) + " for rank " + in[0].length);
            }
            case "Concat" -> {
                require(op.intAttr("axis", Long.MIN_VALUE) != Long.MIN_VALUE, "Concat axis missing for rank " + in[0].length);
                Shapes.axis("Concat", op.intAttr("axis", 0), in[0].length);
            }
            case "Softmax" -> softmaxAxis(op, in[0]);
            case "Clip" -> clipBounds(op);
            default -> {
                // The reshapes and the other eltwise ops: nothing oneDNN would do differently.
            }
        }
    }

    /** Throws unless every shape is NCHW (the ops with a spatial window run 2-D only). */
    private static void nchw(OpView op, long[]... shapes) throws UnsupportedSegmentException {
        for (long[] s : shapes) {
            require(s.length == 4, op.opType() + " of rank " + s.length + ": only 2-D (NCHW)");
        }
    }

    /** The window of a pooling op over NCHW input {@code x}; a global pool's covers the whole plane. */
    static Window poolWindow(OpView op, long[] x) throws UnsupportedSegmentException {
        long[] kernel = op.opType().startsWith("Global") ? new long[] { x[2], x[3] } : op.intsAttr("kernel_shape");
        require(kernel != null, op.opType() + " without kernel_shape");
        return Window.of(op, kernel, x);
    }

    /**
     * Softmax's axis, normalised. Before opset 13 ONNX flattens the input to 2-D at the axis and normalises over all
     * trailing dims; that is one oneDNN axis only when the dims after it are 1 (e.g. [N, 1000, 1, 1], axis 1).
     */
    static int softmaxAxis(OpView op, long[] x) throws UnsupportedSegmentException {
        int a = Shapes.axis("Softmax", op.intAttr("axis", op.opsetVersion() >= 13 ? -1 : 1), x.length);
        for (int d = a + 1; d < x.length && op.opsetVersion() < 13; d++) {
            require(x[d] == 1, "Softmax-" + op.opsetVersion() + " over the flattened dims " + a + ".." + (x.length - 1) + " of "
                            + Arrays.toString(x) + ": only one non-trivial axis");
        }
        return a;
    }

    /** {min, max} for Clip: attributes before opset 11, constant inputs after. */
    static float[] clipBounds(OpView op) throws UnsupportedSegmentException {
        float[] bounds = { -Float.MAX_VALUE, Float.MAX_VALUE };
        for (int i = 0; i < 2; i++) {
            if (op.opsetVersion() < 11) {
                bounds[i] = (float) op.floatAttr(i == 0 ? "min" : "max", bounds[i]);
            } else if (op.hasInput(i + 1)) {
                Tensor t = op.constant(i + 1);
                require(t != null && t.elementCount() == 1, "Clip with a non-constant " + (i == 0 ? "min" : "max"));
                bounds[i] = t.getFloat(0);
            }
        }
        return bounds;
    }
}
