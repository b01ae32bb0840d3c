package dev.dnnrun.accel.backends.onednn;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Pattern;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.Support;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.accel.UnsupportedSegmentException;
import dev.dnnrun.accel.support.Shapes;
import dev.dnnrun.accel.support.Window;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * oneDNN 2.6 (Debian {@code libdnnl-dev}) through {@code java.lang.foreign}: float32 Conv, MatMul, Gemm, pooling
 * (also global), eltwise, BatchNormalization, Add and two-input Sum, Concat, Softmax, and the reshapes (Reshape,
 * Flatten, Squeeze, Unsqueeze: a copy of row-major bytes, which keeps them from splitting a segment). Segment inputs
 * and outputs are the Arrow buffers themselves; inside a segment values keep the layouts oneDNN prefers (see
 * Layouts). A Conv/MatMul/Gemm followed in the segment by eltwise ops and same-shape Adds/Sums (e.g. ResNet's
 * Conv → Sum(residual) → Relu) runs as one primitive with post-ops.
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
    /** Binary ops whose inputs may not swap (oneDNN broadcasts only the second). */
    static final Set<String> ORDERED = Set.of("Sub", "Div");
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
            long[][] in = new long[op.inputs().size()][];
            for (int i = 0; i < in.length; i++) {
                in[i] = op.hasInput(i) && op.inputType(i) != null ? op.inputType(i).shape() : null;
            }
            TensorType out = op.outputType(0);
            check(op, in, out == null ? null : out.shape());
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
        if (unavailableReason() != null) {
            throw new UnsupportedSegmentException(unavailableReason());
        }
        return new OneDnnSegment(segment);
    }

    static UnsupportedSegmentException no(String reason) {
        return new UnsupportedSegmentException(reason);
    }

    /**
     * Checks that oneDNN can run {@code op} with input shapes {@code in} (null entries for omitted inputs; sizes
     * may be -1 at load time) and output shape {@code out}. Throws with the reason otherwise.
     */
    static void check(OpView op, long[][] in, long[] out) throws UnsupportedSegmentException {
        String type = op.opType();
        if (!op.domain().isEmpty() && !op.domain().equals("ai.onnx")) {
            throw no(type + " of domain " + op.domain());
        }
        if (!OPS.contains(type)) {
            throw no(type + ": not an operator the onednn backend runs");
        }
        for (int i = 0; i < op.inputs().size(); i++) {
            TensorType t = op.inputType(i);
            if (i > 0 && RESHAPES.contains(type)) {
                if (op.hasInput(i) && op.constant(i) == null) {
                    throw no(type + " with a computed " + (type.equals("Reshape") ? "shape" : "axes") + " input");
                }
                continue;
            }
            if (op.hasInput(i) && (t == null || t.dtype() != DType.FLOAT)) {
                throw no(type + " with dtype " + (t == null ? "unknown" : t.dtype().displayName) + ": only float32");
            }
            if (op.hasInput(i) && (in[i] == null || in[i].length > Dnnl.MAX_DIMS)) {
                throw no(type + " input " + i + " of unknown rank or rank above " + Dnnl.MAX_DIMS);
            }
        }
        if (out == null) {
            throw no(type + " output of unknown rank");
        }
        switch (type) {
            case "Conv" -> conv(op, in[0], in[1], out);
            case "MaxPool", "AveragePool" -> pool(op, in[0], out);
            case "MatMul" -> {
                if (in[0].length < 2 || in[1].length < 2) {
                    throw no("MatMul with a 1-D input");
                }
            }
            case "Gemm" -> gemm(op, in);
            case "BatchNormalization" -> {
                if (in[0].length < 2 || in[0].length > 5) {
                    throw no("BatchNormalization of rank " + in[0].length + ": only 2 to 5");
                }
                if (op.intAttr("training_mode", 0) != 0 || op.outputs().size() > 1) {
                    throw no("BatchNormalization in training mode");
                }
                if (op.intAttr("spatial", 1) != 1) {
                    throw no("BatchNormalization spatial=0");
                }
                if (op.inputs().size() != 5) {
                    throw no("BatchNormalization with " + op.inputs().size() + " inputs");
                }
            }
            case "Add", "Sum", "Mul", "Sub", "Div", "Max", "Min" -> {
                // Sum/Max/Min of two inputs are binary ops (Sum-6 requires equal shapes, Sum-8 broadcasts like Add).
                if (in.length != 2) {
                    throw no(type + " of " + in.length + " inputs: only two");
                }
                boolean swaps = !ORDERED.contains(type);
                if (!Shapes.broadcastsTo(in[1], in[0]) && !(swaps && Shapes.broadcastsTo(in[0], in[1]))) {
                    throw no(type + " of " + Arrays.toString(in[0]) + " and " + Arrays.toString(in[1])
                                    + (swaps ? ": only same shapes or one side broadcast to the other" : ": only the second input may broadcast"));
                }
            }
            case "LRN" -> {
                if (in[0].length != 4) {
                    throw no("LRN of rank " + in[0].length + ": only 2-D (NCHW)");
                }
                if (op.intAttr("size", 0) % 2 == 0) {
                    throw no("LRN size " + op.intAttr("size", 0) + ": only odd sizes (oneDNN centres an even window differently)");
                }
            }
            case "Transpose" -> {
                long[] perm = op.intsAttr("perm");
                if (perm != null && perm.length != in[0].length) {
                    throw no("Transpose perm " + Arrays.toString(perm) + " for rank " + in[0].length);
                }
            }
            case "GlobalAveragePool", "GlobalMaxPool" -> {
                if (in[0].length != 4) {
                    throw no(type + " of rank " + in[0].length + ": only 2-D (NCHW)");
                }
            }
            case "Concat" -> concatAxis(op, in);
            case "Reshape", "Flatten", "Squeeze", "Unsqueeze" -> {
                long n = knownCount(in[0]), m = knownCount(out);
                if (out.length > Dnnl.MAX_DIMS || (n >= 0 && m >= 0 && n != m)) {
                    throw no(type + " of " + Arrays.toString(in[0]) + " to " + Arrays.toString(out));
                }
            }
            case "Softmax" -> softmaxAxis(op, in[0]);
            case "Clip" -> clipBounds(op);
            default -> {
                // Other eltwise ops take no attributes that matter.
            }
        }
    }

    /** The element count of {@code shape}, or -1 while a size is unknown (-1 at load time). */
    private static long knownCount(long[] shape) {
        return Arrays.stream(shape).anyMatch(d -> d < 0) ? -1 : Tensor.elementCount(shape);
    }

    /** Concat's axis, normalised, after checking that the inputs agree on every other dimension. */
    static int concatAxis(OpView op, long[][] in) throws UnsupportedSegmentException {
        int rank = in[0].length;
        long axis = op.intAttr("axis", Long.MIN_VALUE);
        if (axis == Long.MIN_VALUE) {
            throw no("Concat axis missing for rank " + rank);
        }
        int a = Shapes.axis("Concat", axis, rank);
        for (long[] s : in) {
            for (int d = 0; d < rank; d++) {
                if (s == null || s.length != rank || (d != a && s[d] >= 0 && in[0][d] >= 0 && s[d] != in[0][d])) {
                    throw no("Concat of " + Arrays.toString(in[0]) + " and " + Arrays.toString(s) + " along axis " + a);
                }
            }
        }
        return a;
    }

    /**
     * Softmax's axis, normalised. Before opset 13 ONNX flattens the input to 2-D at the axis and normalises over all
     * trailing dims; that is one oneDNN axis only when the dims after it are 1 (e.g. [N, 1000, 1, 1], axis 1).
     */
    static int softmaxAxis(OpView op, long[] x) throws UnsupportedSegmentException {
        int a = Shapes.axis("Softmax", op.intAttr("axis", op.opsetVersion() >= 13 ? -1 : 1), x.length);
        for (int d = a + 1; d < x.length && op.opsetVersion() < 13; d++) {
            if (x[d] != 1) {
                throw no("Softmax-" + op.opsetVersion() + " over the flattened dims " + a + ".." + (x.length - 1) + " of "
                                + Arrays.toString(x) + ": only one non-trivial axis");
            }
        }
        return a;
    }

    private static void gemm(OpView op, long[][] in) throws UnsupportedSegmentException {
        if (in[0].length != 2 || in[1].length != 2) {
            throw no("Gemm with inputs of ranks " + in[0].length + " and " + in[1].length);
        }
        boolean bias = op.hasInput(2);
        if (bias && in[2].length > 2) {
            throw no("Gemm bias of rank " + in[2].length);
        }
        if (bias && op.floatAttr("beta", 1) != 1 && op.constant(2) == null) {
            throw no("Gemm beta != 1 with a non-constant C");
        }
        if (bias && op.floatAttr("alpha", 1) != 1 && op.constant(1) == null) {
            throw no("Gemm alpha != 1 with C and a non-constant B");
        }
    }

    /** {min, max} for Clip: attributes before opset 11, constant inputs after. */
    static float[] clipBounds(OpView op) throws UnsupportedSegmentException {
        float lo = -Float.MAX_VALUE, hi = Float.MAX_VALUE;
        if (op.opsetVersion() < 11) {
            lo = (float) op.floatAttr("min", lo);
            hi = (float) op.floatAttr("max", hi);
        } else {
            for (int i = 1; i <= 2; i++) {
                if (!op.hasInput(i)) {
                    continue;
                }
                Tensor t = op.constant(i);
                if (t == null || t.elementCount() != 1) {
                    throw no("Clip with a non-constant " + (i == 1 ? "min" : "max"));
                }
                if (i == 1) {
                    lo = t.getFloat(0);
                } else {
                    hi = t.getFloat(0);
                }
            }
        }
        return new float[] { lo, hi };
    }

    static Window conv(OpView op, long[] x, long[] w, long[] y) throws UnsupportedSegmentException {
        if (x.length != 4 || w.length != 4) {
            throw no("Conv of rank " + x.length + ": only 2-D (NCHW)");
        }
        long group = op.intAttr("group", 1);
        if (group < 1 || (x[1] >= 0 && x[1] % group != 0) || (w[0] >= 0 && w[0] % group != 0)
                        || (x[1] >= 0 && w[1] >= 0 && x[1] != w[1] * group)) {
            throw no("Conv group=" + group + " does not fit input " + Arrays.toString(x) + " and weights " + Arrays.toString(w));
        }
        long[] kernel = { w[2], w[3] };
        long[] ks = op.intsAttr("kernel_shape");
        if (ks != null && !Arrays.equals(ks, kernel) && kernel[0] >= 0 && kernel[1] >= 0) {
            throw no("Conv kernel_shape " + Arrays.toString(ks) + " differs from the weights " + Arrays.toString(w));
        }
        if (kernel[0] < 0 || kernel[1] < 0) {
            return null; // load time, weights' shape unknown
        }
        Window win = Window.of(op, kernel, x);
        checkOut(op, win, x, y, w[0]);
        return win;
    }

    static Window pool(OpView op, long[] x, long[] y) throws UnsupportedSegmentException {
        String t = op.opType();
        if (x.length != 4) {
            throw no(t + " of rank " + x.length + ": only 2-D (NCHW)");
        }
        if (op.outputs().size() > 1 && !op.outputs().get(1).isEmpty()) {
            throw no("MaxPool with an Indices output");
        }
        long[] dil = op.intsAttr("dilations");
        if (dil != null && Arrays.stream(dil).anyMatch(d -> d != 1)) {
            throw no(t + " with dilations " + Arrays.toString(dil));
        }
        long[] kernel = op.intsAttr("kernel_shape");
        if (kernel == null || kernel.length != 2) {
            throw no(t + " kernel_shape " + Arrays.toString(kernel) + ": only 2-D");
        }
        Window win = Window.of(op, kernel, x);
        try {
            checkOut(op, win, x, y, x[1]);
        } catch (UnsupportedSegmentException e) {
            throw op.intAttr("ceil_mode", 0) != 0 ? no(t + " ceil_mode=1 (its output size differs from oneDNN's)") : e;
        }
        return win;
    }

    /** {@code y} must be what the window makes of {@code x}, with {@code channels} channels (sizes -1 match anything). */
    private static void checkOut(OpView op, Window win, long[] x, long[] y, long channels) throws UnsupportedSegmentException {
        if (!win.fits(x, y) || !agree(y[0], x[0]) || !agree(y[1], channels)) {
            throw no(op.opType() + " output " + Arrays.toString(y) + " does not match input " + Arrays.toString(x) + " with its window");
        }
    }

    private static boolean agree(long a, long b) {
        return a < 0 || b < 0 || a == b;
    }
}
