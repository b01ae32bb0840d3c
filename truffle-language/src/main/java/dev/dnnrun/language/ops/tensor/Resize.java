package dev.dnnrun.language.ops.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.Attributes;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Resize: nearest, N-linear and N-cubic resampling. Interpolation is separable, so the plan builds one table
 * per axis mapping each output index to source taps (index, weight), after the coordinate transformation
 * (half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, tf_crop_and_resize). An output
 * element is the sum over the product of its axes' taps. Opset 10 has only (X, scales) and the asymmetric
 * transformation, with nearest picking floor when upsampling and ceil when downsampling, as the runtimes of that
 * time did. With antialias (opset 18) a downscaling filter is stretched by 1/scale, so it covers more taps.
 */
public final class Resize extends OpNode {
    private final int opset;
    private final String mode;
    private final String transform;
    private final String nearestMode;
    private final double cubicA;
    private final boolean excludeOutside;
    private final double extrapolation;
    private final String aspectPolicy;
    private final boolean antialias;
    private final long[] axesAttribute;

    public Resize(GraphNode node) {
        super(node);
        Attributes a = node.attributes();
        opset = node.opsetVersion();
        mode = a.getString("mode", "nearest");
        if (!mode.equals("nearest") && !mode.equals("linear") && !(mode.equals("cubic") && opset >= 11)) {
            throw new OperatorException("unsupported mode '" + mode + "'");
        }
        transform = opset >= 11 ? a.getString("coordinate_transformation_mode", "half_pixel") : "asymmetric";
        switch (transform) {
            case "half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_crop_and_resize" -> {
            }
            case "half_pixel_symmetric" -> {
                if (opset < 19) {
                    throw new OperatorException("coordinate_transformation_mode 'half_pixel_symmetric' needs opset 19");
                }
            }
            default -> throw new OperatorException("unsupported coordinate_transformation_mode '" + transform + "'");
        }
        nearestMode = opset >= 11 ? a.getString("nearest_mode", "round_prefer_floor") : "simple";
        switch (nearestMode) {
            case "round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "simple" -> {
            }
            default -> throw new OperatorException("unsupported nearest_mode '" + nearestMode + "'");
        }
        cubicA = a.getFloat("cubic_coeff_a", -0.75f);
        excludeOutside = a.getInt("exclude_outside", 0) != 0;
        extrapolation = a.getFloat("extrapolation_value", 0f);
        antialias = opset >= 18 && a.getInt("antialias", 0) != 0;
        if (antialias && mode.equals("nearest")) {
            throw new OperatorException("antialias applies to linear and cubic modes only");
        }
        aspectPolicy = opset >= 18 ? a.getString("keep_aspect_ratio_policy", "stretch") : "stretch";
        if (!Arrays.asList("stretch", "not_larger", "not_smaller").contains(aspectPolicy)) {
            throw new OperatorException("unknown keep_aspect_ratio_policy '" + aspectPolicy + "'");
        }
        axesAttribute = opset >= 18 ? a.getInts("axes") : null;
    }

    @Override
    public boolean isValueInput(int index) {
        return index >= 1;
    }

    /** Source taps of one output index along one axis; {@code outside} means the extrapolation value. */
    private record Taps(int[] index, double[] weight, boolean outside) {
    }

    private static final class ResizePlan extends Plan {
        final Taps[][] axes; // [axis][output index]
        /** Per axis, the one source index of each output index where every output element copies an input element; else null. */
        final int[][] sources;

        ResizePlan(DType t, long[] shape, Taps[][] axes) {
            super(new DType[]{t}, new long[][]{shape});
            this.axes = axes;
            this.sources = copies(axes);
        }
    }

    @Override
    protected Plan plan(Signature in) {
        DType t = in.dtype(0);
        if (!t.isNumeric()) {
            throw new OperatorException("unsupported type " + t);
        }
        long[] s = in.shape(0);
        int r = s.length;
        int scalesInput = opset < 11 ? 1 : 2;
        int[] axes;
        if (axesAttribute != null) {
            axes = Shapes.axes(axesAttribute, r);
        } else {
            axes = new int[r];
            for (int d = 0; d < r; d++) {
                axes[d] = d;
            }
        }
        double[] scales = new double[r];
        long[] out = s.clone();
        Arrays.fill(scales, 1.0);
        boolean haveScales = in.has(scalesInput) && Shapes.count(in.shape(scalesInput)) > 0;
        boolean haveSizes = opset >= 11 && in.has(3) && Shapes.count(in.shape(3)) > 0;
        if (haveScales == haveSizes) {
            throw new OperatorException("exactly one of scales and sizes must be given");
        }
        if (haveScales) {
            double[] sc = in.doubles(scalesInput);
            if (sc.length != axes.length) {
                throw new OperatorException("scales has " + sc.length + " entries for " + axes.length + " axes");
            }
            for (int i = 0; i < axes.length; i++) {
                if (sc[i] <= 0) {
                    throw new OperatorException("scales must be positive, got " + sc[i]);
                }
                scales[axes[i]] = sc[i];
                out[axes[i]] = (long) Math.floor(s[axes[i]] * sc[i]);
            }
        } else {
            long[] sizes = in.longs(3);
            if (sizes.length != axes.length) {
                throw new OperatorException("sizes has " + sizes.length + " entries for " + axes.length + " axes");
            }
            if (aspectPolicy.equals("stretch")) {
                for (int i = 0; i < axes.length; i++) {
                    out[axes[i]] = sizes[i];
                    scales[axes[i]] = (double) sizes[i] / s[axes[i]];
                }
            } else {
                double scale = aspectPolicy.equals("not_larger") ? Double.POSITIVE_INFINITY : 0;
                for (int i = 0; i < axes.length; i++) {
                    double si = (double) sizes[i] / s[axes[i]];
                    scale = aspectPolicy.equals("not_larger") ? Math.min(scale, si) : Math.max(scale, si);
                }
                for (int a : axes) {
                    out[a] = (long) Math.floor(scale * s[a] + 0.5);
                    scales[a] = scale;
                }
            }
        }
        double[] roi = null;
        if (transform.equals("tf_crop_and_resize")) {
            if (!in.has(1) || Shapes.count(in.shape(1)) != 2L * axes.length) {
                throw new OperatorException("tf_crop_and_resize needs roi with " + 2 * axes.length + " values");
            }
            double[] given = in.doubles(1);
            roi = new double[2 * r];
            for (int d = 0; d < r; d++) {
                roi[d] = 0;
                roi[r + d] = 1;
            }
            for (int i = 0; i < axes.length; i++) {
                roi[axes[i]] = given[i];
                roi[r + axes[i]] = given[axes.length + i];
            }
        }
        Taps[][] tables = new Taps[r][];
        for (int d = 0; d < r; d++) {
            if (out[d] < 0) {
                throw new OperatorException("negative output size on axis " + d);
            }
            tables[d] = new Taps[(int) out[d]];
            for (int o = 0; o < out[d]; o++) {
                tables[d][o] = taps(o, s[d], out[d], scales[d], roi == null ? 0 : roi[d], roi == null ? 1 : roi[r + d]);
            }
        }
        return new ResizePlan(t, out, tables);
    }

    private Taps taps(int o, long inSize, long outSize, double scale, double roiStart, double roiEnd) {
        double outF = scale * inSize;
        double x = switch (transform) {
            case "align_corners" -> outF == 1 ? 0 : o * (inSize - 1) / (outF - 1);
            case "asymmetric" -> o / scale;
            case "pytorch_half_pixel" -> outF == 1 ? -0.5 : (o + 0.5) / scale - 0.5;
            case "half_pixel_symmetric" -> {
                double adjustment = outSize / outF;
                double offset = inSize / 2.0 * (1 - adjustment);
                yield offset + (o + 0.5) / scale - 0.5;
            }
            case "tf_crop_and_resize" -> (outF == 1 ? (roiEnd - roiStart) * (inSize - 1) / 2
                            : o * (roiEnd - roiStart) * (inSize - 1) / (outF - 1)) + roiStart * (inSize - 1);
            default -> (o + 0.5) / scale - 0.5;
        };
        if (transform.equals("tf_crop_and_resize") && (x < 0 || x > inSize - 1)) {
            return new Taps(new int[0], new double[0], true);
        }
        long last = inSize - 1;
        if (antialias) {
            return stretchedTaps(x, Math.min(scale, 1.0), last);
        }
        double fl = Math.floor(x);
        double t = x - fl;
        long base = (long) fl;
        switch (mode) {
            case "nearest" -> {
                long i;
                if (t == 0) {
                    i = base;
                } else {
                    i = switch (nearestMode) {
                        case "round_prefer_floor" -> t <= 0.5 ? base : base + 1;
                        case "round_prefer_ceil" -> t < 0.5 ? base : base + 1;
                        case "floor" -> base;
                        case "ceil" -> base + 1;
                        default -> scale < 1 ? base + 1 : base; // opset 10
                    };
                }
                return new Taps(new int[]{(int) clamp(i, last)}, new double[]{1}, false);
            }
            case "linear" -> {
                return compact(new long[]{base, base + 1}, new double[]{1 - t, t}, last);
            }
            default -> {
                double a = cubicA;
                double[] w = {
                    ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                    ((a + 2) * t - (a + 3)) * t * t + 1,
                    ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                    ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a};
                long[] idx = {base - 1, base, base + 1, base + 2};
                if (excludeOutside) {
                    double sum = 0;
                    for (int k = 0; k < 4; k++) {
                        if (idx[k] < 0 || idx[k] > last) {
                            w[k] = 0;
                        }
                        sum += w[k];
                    }
                    for (int k = 0; k < 4; k++) {
                        w[k] /= sum;
                    }
                }
                return compact(idx, w, last);
            }
        }
    }

    /** Linear or cubic filter taps widened by 1/scale and normalised to sum 1. */
    private Taps stretchedTaps(double x, double scale, long last) {
        double support = mode.equals("linear") ? 1 : 2;
        long from = (long) Math.floor(x - support / scale) - 1;
        long to = (long) Math.ceil(x + support / scale) + 1;
        int n = (int) (to - from + 1);
        long[] idx = new long[n];
        double[] w = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            idx[k] = from + k;
            double u = Math.abs((idx[k] - x) * scale);
            w[k] = mode.equals("linear") ? Math.max(0, 1 - u) : cubic(u);
            if (excludeOutside && (idx[k] < 0 || idx[k] > last)) {
                w[k] = 0;
            }
            sum += w[k];
        }
        for (int k = 0; k < n; k++) {
            w[k] /= sum;
        }
        return compact(idx, w, last);
    }

    private double cubic(double u) {
        double a = cubicA;
        if (u <= 1) {
            return ((a + 2) * u - (a + 3)) * u * u + 1;
        }
        if (u < 2) {
            return ((a * u - 5 * a) * u + 8 * a) * u - 4 * a;
        }
        return 0;
    }

    /** Clamps tap indices to the axis (edge padding) and drops zero weights. */
    private static Taps compact(long[] idx, double[] w, long last) {
        int n = 0;
        int[] ci = new int[idx.length];
        double[] cw = new double[idx.length];
        for (int k = 0; k < idx.length; k++) {
            if (w[k] != 0) {
                ci[n] = (int) clamp(idx[k], last);
                cw[n++] = w[k];
            }
        }
        return new Taps(Arrays.copyOf(ci, n), Arrays.copyOf(cw, n), false);
    }

    private static int[][] copies(Taps[][] axes) {
        int[][] sources = new int[axes.length][];
        for (int d = 0; d < axes.length; d++) {
            sources[d] = new int[axes[d].length];
            for (int o = 0; o < axes[d].length; o++) {
                Taps tp = axes[d][o];
                if (tp.outside || tp.index.length != 1 || tp.weight[0] != 1) {
                    return null;
                }
                sources[d][o] = tp.index[0];
            }
        }
        return sources;
    }

    private static long clamp(long i, long last) {
        return Math.max(0, Math.min(last, i));
    }

    @Override
    protected Tensor[] run(Plan plan, Tensor[] inputs, BufferAllocator allocator) {
        ResizePlan p = (ResizePlan) plan;
        Tensor x = inputs[0];
        DType t = x.dtype();
        Tensor out = plan.allocate(allocator);
        long n = out.elementCount();
        if (n == 0) {
            return new Tensor[]{out};
        }
        long[] outShape = out.shape();
        int r = outShape.length;
        if (r == 0) {
            Tensor.copy(x, 0, out, 0, 1);
            return new Tensor[]{out};
        }
        if (p.sources != null) {
            copyRows(p.sources, x, out, t.byteSize);
            return new Tensor[]{out};
        }
        long[] strides = Shapes.strides(x.shape());
        long rowLen = outShape[r - 1];
        long rows = n / rowLen;
        long[] idx = new long[r - 1];
        Taps[] lastTaps = p.axes[r - 1];
        long[] offs = new long[1];
        double[] ws = new double[1];
        long pos = 0;
        for (long row = 0; row < rows; row++) {
            // combine the taps of the outer axes into (source offset, weight) pairs
            int count = 1;
            offs[0] = 0;
            ws[0] = 1;
            boolean outside = false;
            for (int d = 0; d < r - 1 && !outside; d++) {
                Taps tp = p.axes[d][(int) idx[d]];
                if (tp.outside) {
                    outside = true;
                    break;
                }
                int k = tp.index.length;
                long[] no = new long[count * k];
                double[] nw = new double[count * k];
                for (int c = 0; c < count; c++) {
                    for (int j = 0; j < k; j++) {
                        no[c * k + j] = offs[c] + tp.index[j] * strides[d];
                        nw[c * k + j] = ws[c] * tp.weight[j];
                    }
                }
                offs = no;
                ws = nw;
                count = count * k;
            }
            for (int j = 0; j < rowLen; j++) {
                Taps tp = lastTaps[j];
                double v;
                if (outside || tp.outside) {
                    v = extrapolation;
                } else {
                    v = 0;
                    for (int c = 0; c < count; c++) {
                        for (int k = 0; k < tp.index.length; k++) {
                            v += ws[c] * tp.weight[k] * x.getDouble(offs[c] + tp.index[k]);
                        }
                    }
                }
                if (t.isFloating()) {
                    t.setDouble(out.segment(), pos + j, v);
                } else {
                    t.setLong(out.segment(), pos + j, Math.round(v));
                }
            }
            pos += rowLen;
            for (int d = r - 2; d >= 0; d--) {
                if (++idx[d] < outShape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return new Tensor[]{out};
    }

    /**
     * Nearest resampling (and any other that maps each output element onto one input element): rows of gathered
     * elements, in the input's bytes. A row whose source row is the one before's (upsampling) is a copy of that row.
     */
    private static void copyRows(int[][] sources, Tensor x, Tensor out, int size) {
        MemorySegment src = x.segment(), dst = out.segment();
        long[] outShape = out.shape();
        int r = sources.length;
        long[] strides = Shapes.strides(x.shape());
        int[] columns = sources[r - 1];
        long rowBytes = (long) columns.length * size;
        long rows = out.elementCount() / columns.length;
        long[] idx = new long[r - 1];
        long previous = -1;
        for (long row = 0; row < rows; row++) {
            long from = 0;
            for (int d = 0; d < r - 1; d++) {
                from += sources[d][(int) idx[d]] * strides[d];
            }
            long at = row * rowBytes;
            if (from == previous) {
                MemorySegment.copy(dst, at - rowBytes, dst, at, rowBytes);
            } else {
                gather(src, from, columns, dst, at, size);
            }
            previous = from;
            for (int d = r - 2; d >= 0; d--) {
                if (++idx[d] < outShape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
    }

    /** dst[at + j] = src[from + columns[j]] for elements of {@code size} bytes ({@code at} in bytes, {@code from} in elements). */
    private static void gather(MemorySegment src, long from, int[] columns, MemorySegment dst, long at, int size) {
        switch (size) {
            case 4 -> {
                for (int j = 0; j < columns.length; j++) {
                    dst.set(ValueLayout.JAVA_INT_UNALIGNED, at + 4L * j, src.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, from + columns[j]));
                }
            }
            case 8 -> {
                for (int j = 0; j < columns.length; j++) {
                    dst.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 8L * j, src.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, from + columns[j]));
                }
            }
            default -> {
                for (int j = 0; j < columns.length; j++) {
                    MemorySegment.copy(src, (from + columns[j]) * size, dst, at + (long) size * j, size);
                }
            }
        }
    }
}
