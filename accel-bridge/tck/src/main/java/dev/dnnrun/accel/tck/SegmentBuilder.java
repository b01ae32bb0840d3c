package dev.dnnrun.accel.tck;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** Builds backend segments by hand for tests, with float32 data held in Arrow tensors. */
public final class SegmentBuilder implements AutoCloseable {
    public final BufferAllocator allocator = new RootAllocator();
    private final Random random = new Random(42);
    private final Map<String, TensorType> types = new HashMap<>();
    private final Map<String, Tensor> constants = new LinkedHashMap<>();
    private final Map<String, float[]> data = new HashMap<>();
    private final List<OpView> ops = new ArrayList<>();
    private final List<String> inputs = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private final List<Tensor> owned = new ArrayList<>();

    public float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextFloat() * 2 - 1;
        }
        return a;
    }

    /** A segment input with random data. */
    public float[] input(String name, long... shape) {
        float[] v = random((int) Tensor.elementCount(shape));
        inputs.add(name);
        types.put(name, new TensorType(DType.FLOAT, shape));
        data.put(name, v);
        return v;
    }

    public float[] constant(String name, float[] values, long... shape) {
        Tensor t = tensor(values, shape);
        constants.put(name, t);
        types.put(name, new TensorType(DType.FLOAT, shape));
        data.put(name, values);
        return values;
    }

    public float[] constant(String name, long... shape) {
        return constant(name, random((int) Tensor.elementCount(shape)), shape);
    }

    /** A 1-D int64 constant, e.g. Reshape's shape. */
    public void constantLongs(String name, long[] values) {
        Tensor t = Tensor.allocate(allocator, DType.INT64, values.length);
        for (int i = 0; i < values.length; i++) {
            t.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_LONG, i, values[i]);
        }
        owned.add(t);
        constants.put(name, t);
        types.put(name, new TensorType(DType.INT64, new long[] { values.length }));
    }

    public Tensor tensor(float[] values, long... shape) {
        Tensor t = Tensor.allocate(allocator, DType.FLOAT, shape);
        for (int i = 0; i < values.length; i++) {
            t.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, values[i]);
        }
        owned.add(t);
        return t;
    }

    /** Adds an op; {@code attrs} alternate names and values. */
    public OpView op(String type, List<String> in, String out, long[] outShape, Object... attrs) {
        return op(type, 13, in, out, outShape, attrs);
    }

    public OpView op(String type, int opset, List<String> in, String out, long[] outShape, Object... attrs) {
        Map<String, Object> a = new HashMap<>();
        for (int i = 0; i < attrs.length; i += 2) {
            a.put((String) attrs[i], attrs[i + 1]);
        }
        types.put(out, new TensorType(DType.FLOAT, outShape));
        List<TensorType> inTypes = new ArrayList<>();
        Map<String, Tensor> consts = new HashMap<>();
        for (String s : in) {
            inTypes.add(s.isEmpty() ? null : types.get(s));
            if (constants.containsKey(s)) {
                consts.put(s, constants.get(s));
            }
        }
        OpView op = new OpView(type + ops.size(), type, "", opset, a, List.copyOf(in), List.of(out), inTypes,
                        List.of(types.get(out)), consts);
        ops.add(op);
        return op;
    }

    public void output(String name) {
        outputs.add(name);
    }

    public Segment build() {
        return new Segment("s", List.copyOf(ops), List.copyOf(inputs), inputs.stream().map(types::get).toList(),
                        List.copyOf(outputs), outputs.stream().map(types::get).toList(), Map.copyOf(constants), Map.copyOf(types));
    }

    public float[] data(String name) {
        return data.get(name);
    }

    /** Input buffers for {@link dev.dnnrun.accel.CompiledSegment#execute}, in input order. */
    public ArrowBuf[] inputBuffers() {
        ArrowBuf[] r = new ArrowBuf[inputs.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = tensor(data.get(inputs.get(i)), types.get(inputs.get(i)).shape()).arrowBuffer();
        }
        return r;
    }

    public Tensor[] outputTensors() {
        Tensor[] r = new Tensor[outputs.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = Tensor.zeros(allocator, DType.FLOAT, types.get(outputs.get(i)).shape());
            owned.add(r[i]);
        }
        return r;
    }

    public static ArrowBuf[] buffers(Tensor... ts) {
        ArrowBuf[] r = new ArrowBuf[ts.length];
        for (int i = 0; i < ts.length; i++) {
            r[i] = ts[i].arrowBuffer();
        }
        return r;
    }

    @Override
    public void close() {
        owned.forEach(Tensor::close);
        allocator.close();
    }
}
