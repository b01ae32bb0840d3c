package dev.dnnrun.benchmarks;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import dev.dnnrun.language.onnx.ModelBuilder;
import dev.dnnrun.tensor.DType;

/**
 * Writes a network op by op onto {@link ModelBuilder} (opset 17, float32), keeping each value's shape so that
 * layers size their weights themselves, and counting multiply-accumulates and parameters as it goes. Weights come
 * from one {@link Random} with a fixed seed, whose sequence the Java specification fixes, so the bytes are the same
 * on every run and JDK. Each value carries an estimate of its second moment E[x^2] (1 after a weighted layer;
 * through activations see {@link Moments}; summed by a residual Add, multiplied by a gate), and a layer's weights are
 * uniform with variance 1 / (fan-in x its input's moment), He initialisation generalised, so that activations stay
 * near unit scale over dozens of layers instead of vanishing or blowing up. Each method returns its output's name.
 */
final class NetBuilder {
    private final ModelBuilder model;
    private final Random random;
    private final Map<String, long[]> shapes = new HashMap<>();
    private final Map<String, String> scalars = new HashMap<>();
    /** Estimated E[x^2] per value; a weighted layer's output, absent here, has about 1. */
    private final Map<String, Double> moments = new HashMap<>();
    private final String input;
    private int next;
    private long macs;
    private long params;

    NetBuilder(String graphName, long seed, String input, long... shape) {
        this.model = new ModelBuilder(graphName).opset(17).input(input, DType.FLOAT, box(shape));
        this.random = new Random(seed);
        this.input = input;
        shapes.put(input, shape.clone());
        moments.put(input, 1.0 / 3); // arange(n)/n
    }

    String input() {
        return input;
    }

    long[] shape(String value) {
        return shapes.get(value).clone();
    }

    /**
     * A serialised model and what it costs: {@code macs} counts the multiply-accumulates of Conv, ConvTranspose,
     * MatMul and Gemm (element-wise ops are not counted; one MAC is two FLOP), {@code params} the float weight
     * elements (convolution and linear weights, biases, normalisation scales and shifts, BatchNormalization's
     * running mean and variance).
     */
    record Built(byte[] onnx, long macs, long params, long[] outputShape) {
        double gflop() {
            return 2 * macs / 1e9;
        }
    }

    /** Declares {@code value} the graph output and serialises the model. */
    Built build(String value) {
        byte[] onnx = model.output(value, DType.FLOAT, box(shapes.get(value))).build();
        return new Built(onnx, macs, params, shape(value));
    }

    // ---- convolutions ----

    /** Conv with a folded bias (as exporters write Conv+BatchNorm), symmetric padding k/2. */
    String conv(String x, int cout, int kh, int kw, int sh, int sw, int group) {
        long[] s = shapes.get(x);
        long cin = s[1];
        long oh = (s[2] + 2 * (kh / 2) - kh) / sh + 1;
        long ow = (s[3] + 2 * (kw / 2) - kw) / sw + 1;
        long fanIn = cin / group * kh * kw;
        // On small maps many taps fall on the padding: scale by the taps that see the input.
        double seen = cin / group * taps(s[2], kh, sh, oh) * taps(s[3], kw, sw, ow);
        String w = weight(new long[]{cout, cin / group, kh, kw}, 1 / (moment(x) * seen));
        String b = bias(cout);
        String y = fresh("conv");
        model.node("Conv", x + "," + w + "," + b, y).ints("kernel_shape", kh, kw).ints("strides", sh, sw)
                        .ints("pads", kh / 2, kw / 2, kh / 2, kw / 2).attr("group", group).done();
        macs += cout * fanIn * oh * ow;
        return shaped(y, s[0], cout, oh, ow);
    }

    /** Mean number of a kernel's taps along one axis that fall inside the input (padding k/2 each side). */
    private static double taps(long in, int k, int stride, long out) {
        long inside = 0;
        for (long o = 0; o < out; o++) {
            long first = o * stride - k / 2;
            inside += Math.min(in, first + k) - Math.max(0, first);
        }
        return (double) inside / out;
    }

    String conv(String x, int cout, int k, int stride) {
        return conv(x, cout, k, k, stride, stride, 1);
    }

    /** Depthwise: one k x k filter per channel (group = channels). */
    String depthwise(String x, int k, int sh, int sw) {
        return conv(x, (int) shapes.get(x)[1], k, k, sh, sw, (int) shapes.get(x)[1]);
    }

    /** ConvTranspose with kernel = stride, no padding: an exact upsampling by {@code stride}. */
    String convTranspose(String x, int cout, int stride) {
        long[] s = shapes.get(x);
        String w = weight(new long[]{s[1], cout, stride, stride}, 1 / (moment(x) * s[1]));
        String b = bias(cout);
        String y = fresh("deconv");
        model.node("ConvTranspose", x + "," + w + "," + b, y).ints("kernel_shape", stride, stride).ints("strides", stride, stride).done();
        macs += s[1] * cout * stride * stride * s[2] * s[3];
        return shaped(y, s[0], cout, s[2] * stride, s[3] * stride);
    }

    /** BatchNormalization left unfolded, as exported heads often keep it after a ConvTranspose. */
    String batchNorm(String x) {
        int c = (int) shapes.get(x)[1];
        String scale = values(new long[]{c}, 0.9, 1.1);
        String shift = values(new long[]{c}, -0.1, 0.1);
        String mean = values(new long[]{c}, -0.1, 0.1);
        String var = values(new long[]{c}, 0.5, 1.5);
        String y = fresh("bn");
        model.node("BatchNormalization", String.join(",", x, scale, shift, mean, var), y).attr("epsilon", 1e-5f).done();
        return like(y, x, moment(x));
    }

    // ---- activations ----

    /** HardSwish as exporters expand it: x * (clip(x + 3, 0, 6) / 6). */
    String hardSwish(String x) {
        String a = binary("Add", x, scalar(3f));
        String c = fresh("clip");
        model.node("Clip", a + "," + scalar(0f) + "," + scalar(6f), c).done();
        shapes.put(c, shapes.get(a));
        return like(binary("Mul", x, binary("Div", c, scalar(6f))), x, Moments.hardSwish(moment(x)));
    }

    /** Swish (SiLU) as exported: x * sigmoid(x). */
    String swish(String x) {
        return like(binary("Mul", x, unary("Sigmoid", x)), x, Moments.swish(moment(x)));
    }

    String relu(String x) {
        return like(unary("Relu", x), x, Moments.relu(moment(x)));
    }

    String sigmoid(String x) {
        return like(unary("Sigmoid", x), x, Moments.sigmoid(moment(x)));
    }

    String softmax(String x, int axis) {
        String y = fresh("softmax");
        model.node("Softmax", x, y).attr("axis", axis).done();
        return like(y, x, 1.0); // a MatMul by V gives a weighted mean of V's rows, counted as unit like any MatMul
    }

    /** Squeeze-and-excitation: global pool, 1x1 reduce + Relu, 1x1 expand + HardSigmoid, channel scaling. */
    String squeezeExcite(String x, int reduce) {
        int c = (int) shapes.get(x)[1];
        String s = relu(conv(globalAveragePool(x), Math.max(8, c / reduce), 1, 1));
        String g = fresh("hsigmoid");
        String e = conv(s, c, 1, 1);
        model.node("HardSigmoid", e, g).attr("alpha", 1f / 6).attr("beta", 0.5f).done();
        like(g, e, Moments.hardSigmoid(moment(e)));
        return binary("Mul", x, g);
    }

    // ---- shape and pooling ----

    String globalAveragePool(String x) {
        long[] s = shapes.get(x);
        String y = fresh("gap");
        model.node("GlobalAveragePool", x, y).done();
        moments.put(y, moment(x));
        return shaped(y, s[0], s[1], 1, 1);
    }

    /** Nearest-neighbour upsampling as PyTorch exports {@code interpolate(scale_factor=f)}. */
    String upsample(String x, int factor) {
        long[] s = shapes.get(x);
        String scales = fresh("scales");
        model.initializer(scales, new long[]{4}, 1f, 1f, factor, factor);
        String y = fresh("resize");
        model.node("Resize", x + ",," + scales, y).attr("mode", "nearest").attr("coordinate_transformation_mode", "asymmetric")
                        .attr("nearest_mode", "floor").done();
        moments.put(y, moment(x));
        return shaped(y, s[0], s[1], s[2] * factor, s[3] * factor);
    }

    String concat(int axis, String... xs) {
        long[] s = shapes.get(xs[0]).clone();
        double weighted = moment(xs[0]) * s[axis];
        for (int i = 1; i < xs.length; i++) {
            s[axis] += shapes.get(xs[i])[axis];
            weighted += moment(xs[i]) * shapes.get(xs[i])[axis];
        }
        String y = fresh("concat");
        model.node("Concat", String.join(",", xs), y).attr("axis", axis).done();
        moments.put(y, weighted / s[axis]);
        return shaped(y, s);
    }

    String reshape(String x, long... shape) {
        String target = fresh("shape");
        model.initializer(target, new long[]{shape.length}, shape);
        String y = fresh("reshape");
        model.node("Reshape", x + "," + target, y).done();
        moments.put(y, moment(x));
        return shaped(y, shape);
    }

    String transpose(String x, long... perm) {
        long[] s = shapes.get(x);
        long[] t = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            t[i] = s[(int) perm[i]];
        }
        String y = fresh("transpose");
        model.node("Transpose", x, y).ints("perm", perm).done();
        moments.put(y, moment(x));
        return shaped(y, t);
    }

    String flatten(String x) {
        long[] s = shapes.get(x);
        String y = fresh("flatten");
        model.node("Flatten", x, y).attr("axis", 1).done();
        moments.put(y, moment(x));
        return shaped(y, s[0], Arrays.stream(s).skip(1).reduce(1, (a, b) -> a * b));
    }

    // ---- linear layers and normalisation ----

    /** Fully connected on [N, K] as exporters write nn.Linear: Gemm with B transposed. */
    String gemm(String x, int n) {
        long[] s = shapes.get(x);
        String w = weight(new long[]{n, s[1]}, 1 / (moment(x) * s[1]));
        String b = bias(n);
        String y = fresh("gemm");
        model.node("Gemm", x + "," + w + "," + b, y).attr("transB", 1).done();
        macs += s[0] * s[1] * n;
        return shaped(y, s[0], n);
    }

    /** Linear on the last axis of [..., K]: MatMul by a [K, n] weight, then Add of the bias. */
    String linear(String x, int n) {
        long[] s = shapes.get(x);
        long k = s[s.length - 1];
        String w = weight(new long[]{k, n}, 1 / (moment(x) * k));
        String y = matmul(x, w);
        return binary("Add", y, bias(n));
    }

    /** MatMul of two values (batched over leading axes, broadcasting as numpy). */
    String matmul(String a, String b) {
        long[] sa = shapes.get(a);
        long[] sb = shapes.get(b);
        long[] out = broadcast(Arrays.copyOf(sa, sa.length - 2), Arrays.copyOf(sb, sb.length - 2));
        out = Arrays.copyOf(out, out.length + 2);
        out[out.length - 2] = sa[sa.length - 2];
        out[out.length - 1] = sb[sb.length - 1];
        String y = fresh("matmul");
        model.node("MatMul", a + "," + b, y).done();
        macs += Arrays.stream(out).reduce(1, (p, q) -> p * q) * sa[sa.length - 1];
        return shaped(y, out);
    }

    String layerNorm(String x) {
        long[] s = shapes.get(x);
        int c = (int) s[s.length - 1];
        String scale = values(new long[]{c}, 0.9, 1.1);
        String shift = values(new long[]{c}, -0.1, 0.1);
        String y = fresh("layernorm");
        model.node("LayerNormalization", x + "," + scale + "," + shift, y).attr("axis", -1).attr("epsilon", 1e-5f).done();
        return shaped(y, s);
    }

    /**
     * Element-wise binary op with numpy broadcasting; {@code b} may be {@link #scalar(float)}. Second moments of
     * independent values add under Add and multiply under Mul.
     */
    String binary(String op, String a, String b) {
        String y = fresh(op.toLowerCase());
        model.node(op, a + "," + b, y).done();
        double ma = moment(a);
        double mb = moment(b);
        moments.put(y, switch (op) {
            case "Add" -> ma + mb;
            case "Mul" -> ma * mb;
            default -> ma;
        });
        return shaped(y, broadcast(shapes.get(a), shapes.get(b)));
    }

    /** A shared float scalar constant (rank 0), e.g. HardSwish's 3 and 6. */
    String scalar(float v) {
        return scalars.computeIfAbsent(Float.toString(v), k -> {
            String name = fresh("const");
            model.initializer(name, new long[0], v);
            shapes.put(name, new long[0]);
            moments.put(name, (double) v * v);
            return name;
        });
    }

    // ---- internals ----

    private double moment(String x) {
        return moments.getOrDefault(x, 1.0);
    }

    /** Records {@code y}'s shape as {@code x}'s, and its second moment. */
    private String like(String y, String x, double moment) {
        moments.put(y, moment);
        return shaped(y, shapes.get(x));
    }

    private String unary(String op, String x) {
        String y = fresh(op.toLowerCase());
        model.node(op, x, y).done();
        return shaped(y, shapes.get(x));
    }

    /** Uniform weights with the given variance (range +-sqrt(3 variance)). */
    private String weight(long[] shape, double variance) {
        double a = Math.sqrt(3 * variance);
        return values(shape, -a, a);
    }

    private String bias(int n) {
        return values(new long[]{n}, -0.05, 0.05);
    }

    private String values(long[] shape, double lo, double hi) {
        int n = Math.toIntExact(Arrays.stream(shape).reduce(1, (p, q) -> p * q));
        float[] v = new float[n];
        double squares = 0;
        for (int i = 0; i < n; i++) {
            v[i] = (float) (lo + (hi - lo) * random.nextFloat());
            squares += v[i] * v[i];
        }
        String name = fresh("w");
        model.initializer(name, shape, v);
        shapes.put(name, shape.clone());
        moments.put(name, squares / n); // so that adding a bias hardly changes a value's moment
        params += n;
        return name;
    }

    private String fresh(String prefix) {
        return prefix + "_" + next++;
    }

    private String shaped(String name, long... shape) {
        shapes.put(name, shape.clone());
        return name;
    }

    private static long[] broadcast(long[] a, long[] b) {
        long[] out = new long[Math.max(a.length, b.length)];
        for (int i = 1; i <= out.length; i++) {
            long da = i <= a.length ? a[a.length - i] : 1;
            long db = i <= b.length ? b[b.length - i] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(a) + " with " + Arrays.toString(b));
            }
            out[out.length - i] = Math.max(da, db);
        }
        return out;
    }

    private static Object[] box(long[] shape) {
        return Arrays.stream(shape).boxed().toArray();
    }
}
