package dev.dnnrun.accel.tck;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

import dev.dnnrun.accel.Accelerator;
import dev.dnnrun.accel.CompiledSegment;
import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Builds {@link Segment}s by hand for backend tests, the way the partitioner hands them over: declare the segment's
 * inputs (with data) and constants, add operators in topological order, name the outputs. Every value has a type of
 * any dtype; float32 is the short form ({@code input("x", 2, 3)}, {@code op("Relu", List.of("x"), "y", shape)}).
 * Input data is random (seeded, so runs repeat) unless given; {@link #inputTensors()} and {@link #outputTensors()}
 * make the Arrow buffers for {@link CompiledSegment#execute}. The builder owns its allocator and every tensor it
 * made; {@link #close()} releases them and fails when a test leaked a buffer.
 */
public final class SegmentBuilder implements AutoCloseable {
    private final BufferAllocator allocator = new RootAllocator();
    private final Random random = new Random(42);
    private final Map<String, TensorType> types = new HashMap<>();
    private final Map<String, Tensor> constants = new LinkedHashMap<>();
    /** The data of each segment input; execute gets copies (see {@link #inputTensors()}). */
    private final Map<String, Tensor> inputData = new LinkedHashMap<>();
    private final List<OpView> ops = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private final List<Tensor> owned = new ArrayList<>();
    private int opset = 13;

    public BufferAllocator allocator() {
        return allocator;
    }

    /** The opset of the operators added from now on (13 unless set). */
    public SegmentBuilder opset(int version) {
        this.opset = version;
        return this;
    }

    public float[] random(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = random.nextFloat() * 2 - 1;
        }
        return a;
    }

    /** A float32 segment input with random data in [-1, 1); returns the data. */
    public float[] input(String name, long... shape) {
        return input(name, random(Math.toIntExact(Tensor.elementCount(shape))), shape);
    }

    /** A float32 segment input with the given data. */
    public float[] input(String name, float[] values, long... shape) {
        declare(name, DType.FLOAT, shape);
        inputData.put(name, tensor(values, shape));
        return values;
    }

    /**
     * A segment input of any dtype with random data (small integers, booleans, or floats in [-1, 1)); the returned
     * tensor holds the data the input buffers are copied from, so a test may overwrite it.
     */
    public Tensor input(String name, DType dtype, long... shape) {
        declare(name, dtype, shape);
        Tensor t = tensor(dtype, shape);
        fillRandom(t);
        inputData.put(name, t);
        return t;
    }

    private void declare(String name, DType dtype, long[] shape) {
        if (types.containsKey(name)) {
            throw new IllegalArgumentException("value '" + name + "' is declared twice");
        }
        types.put(name, new TensorType(dtype, shape.clone()));
    }

    /** A float32 constant (an initializer the segment's operators read). */
    public float[] constant(String name, float[] values, long... shape) {
        constant(name, tensor(values, shape));
        return values;
    }

    /** A float32 constant with random data. */
    public float[] constant(String name, long... shape) {
        return constant(name, random(Math.toIntExact(Tensor.elementCount(shape))), shape);
    }

    /** A 1-D int64 constant, e.g. Reshape's shape. */
    public void constantLongs(String name, long[] values) {
        Tensor t = tensor(DType.INT64, values.length);
        for (int i = 0; i < values.length; i++) {
            t.segment().setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, values[i]);
        }
        constant(name, t);
    }

    /** A constant of any dtype; the builder takes over {@code t} (made with {@link #tensor}). */
    public void constant(String name, Tensor t) {
        declare(name, t.dtype(), t.shape());
        constants.put(name, t);
    }

    /** Declares the type of a value an operator produces (needed for {@link #op(String, List, List, Object...)}). */
    public SegmentBuilder value(String name, DType dtype, long... shape) {
        types.put(name, new TensorType(dtype, shape.clone()));
        return this;
    }

    /** Adds an operator with one float32 output of shape {@code outShape}; {@code attrs} alternate names and values. */
    public OpView op(String type, List<String> in, String out, long[] outShape, Object... attrs) {
        value(out, DType.FLOAT, outShape);
        return op(type, in, List.of(out), attrs);
    }

    /** As {@link #op(String, List, String, long[], Object...)} with its own opset. */
    public OpView op(String type, int opsetVersion, List<String> in, String out, long[] outShape, Object... attrs) {
        value(out, DType.FLOAT, outShape);
        return add(type, opsetVersion, in, List.of(out), attrs);
    }

    /** Adds an operator whose outputs were declared with {@link #value}; "" stands for an omitted optional input. */
    public OpView op(String type, List<String> in, List<String> out, Object... attrs) {
        return add(type, opset, in, out, attrs);
    }

    private OpView add(String type, int opsetVersion, List<String> in, List<String> out, Object[] attrs) {
        if (attrs.length % 2 != 0) {
            throw new IllegalArgumentException("attributes alternate names and values");
        }
        Map<String, Object> a = new LinkedHashMap<>();
        for (int i = 0; i < attrs.length; i += 2) {
            a.put((String) attrs[i], attrs[i + 1]);
        }
        List<TensorType> inTypes = new ArrayList<>();
        Map<String, Tensor> consts = new HashMap<>();
        for (String s : in) {
            inTypes.add(s.isEmpty() ? null : types.get(s));
            if (constants.containsKey(s)) {
                consts.put(s, constants.get(s));
            }
        }
        List<TensorType> outTypes = new ArrayList<>();
        for (String s : out) {
            TensorType t = types.get(s);
            if (t == null) {
                throw new IllegalArgumentException("output '" + s + "' of " + type + " has no declared type");
            }
            outTypes.add(t);
        }
        OpView op = new OpView(type + ops.size(), type, "", opsetVersion, a, List.copyOf(in), List.copyOf(out), inTypes,
                        outTypes, consts);
        ops.add(op);
        return op;
    }

    /** Names segment outputs, in the order of execute's output array. */
    public SegmentBuilder output(String... names) {
        outputs.addAll(List.of(names));
        return this;
    }

    public Segment build() {
        List<String> in = List.copyOf(inputData.keySet());
        return new Segment("s", List.copyOf(ops), in, in.stream().map(types::get).toList(), List.copyOf(outputs),
                        outputs.stream().map(types::get).toList(), Map.copyOf(constants), Map.copyOf(types));
    }

    /** The data of a float32 input or constant. */
    public float[] data(String name) {
        Tensor t = inputData.containsKey(name) ? inputData.get(name) : constants.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no input or constant '" + name + "'");
        }
        return t.toFloatArray();
    }

    /** New random data for every input (the same kinds of values as at declaration). */
    public void randomizeInputs() {
        inputData.values().forEach(this::fillRandom);
    }

    /** Fresh tensors holding copies of the inputs' data, in input order. */
    public Tensor[] inputTensors() {
        Tensor[] r = new Tensor[inputData.size()];
        int i = 0;
        for (Tensor data : inputData.values()) {
            r[i] = tensor(data.dtype(), data.shape());
            copyBytes(data, r[i++]);
        }
        return r;
    }

    /** Writes the inputs' current data into {@code tensors} (made by {@link #inputTensors()}). */
    public void copyInputsTo(Tensor[] tensors) {
        int i = 0;
        for (Tensor data : inputData.values()) {
            copyBytes(data, tensors[i++]);
        }
    }

    /** Input buffers for {@link CompiledSegment#execute}, in input order. */
    public ArrowBuf[] inputBuffers() {
        return buffers(inputTensors());
    }

    /** Zeroed tensors with the outputs' types, in output order. */
    public Tensor[] outputTensors() {
        Tensor[] r = new Tensor[outputs.size()];
        for (int i = 0; i < r.length; i++) {
            TensorType t = types.get(outputs.get(i));
            r[i] = Tensor.zeros(allocator, t.dtype(), t.shape());
            owned.add(r[i]);
        }
        return r;
    }

    /** Compiles the segment on {@code accelerator}, runs it once on the inputs and returns the outputs (owned by the builder). */
    public Tensor[] runOn(Accelerator accelerator) throws Exception {
        try (CompiledSegment c = accelerator.compile(build())) {
            Tensor[] out = outputTensors();
            c.execute(inputBuffers(), buffers(out));
            return out;
        }
    }

    /** A float32 tensor owned by the builder. */
    public Tensor tensor(float[] values, long... shape) {
        Tensor t = tensor(DType.FLOAT, shape);
        MemorySegment.copy(values, 0, t.segment(), ValueLayout.JAVA_FLOAT_UNALIGNED, 0, values.length);
        return t;
    }

    /** An uninitialised tensor owned by the builder. */
    public Tensor tensor(DType dtype, long... shape) {
        Tensor t = Tensor.allocate(allocator, dtype, shape);
        owned.add(t);
        return t;
    }

    public static ArrowBuf[] buffers(Tensor... ts) {
        ArrowBuf[] r = new ArrowBuf[ts.length];
        for (int i = 0; i < ts.length; i++) {
            r[i] = ts[i].arrowBuffer();
        }
        return r;
    }

    private void fillRandom(Tensor t) {
        DType d = t.dtype();
        for (long i = 0; i < t.elementCount(); i++) {
            if (d == DType.BOOL) {
                d.setLong(t.segment(), i, random.nextBoolean() ? 1 : 0);
            } else if (d.isInteger()) {
                d.setLong(t.segment(), i, random.nextInt(d.isUnsigned() ? 10 : 21) - (d.isUnsigned() ? 0 : 10));
            } else {
                d.setDouble(t.segment(), i, random.nextFloat() * 2 - 1);
            }
        }
    }

    private static void copyBytes(Tensor from, Tensor to) {
        if (from.byteSize() > 0) {
            to.segment().copyFrom(from.segment());
        }
    }

    @Override
    public void close() {
        owned.forEach(Tensor::close);
        allocator.close();
    }
}
