package dev.dnnrun.accel.tck;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.accel.OpView;
import dev.dnnrun.accel.Segment;
import dev.dnnrun.accel.TensorType;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Builds {@link Segment}s by hand for backend tests, the way the partitioner would: declare values with types, add
 * constants and operators in topological order, name the outputs; inputs are the non-constant values no operator
 * produces, in declaration order.
 */
public final class TypedSegmentBuilder {
    private final BufferAllocator allocator;
    private final int opset;
    private final Map<String, TensorType> types = new LinkedHashMap<>();
    private final Map<String, Tensor> constants = new LinkedHashMap<>();
    private final List<OpView> ops = new ArrayList<>();

    public TypedSegmentBuilder(BufferAllocator allocator, int opset) {
        this.allocator = allocator;
        this.opset = opset;
    }

    public TypedSegmentBuilder value(String name, DType dtype, long... shape) {
        types.put(name, new TensorType(dtype, shape));
        return this;
    }

    public TypedSegmentBuilder floatConstant(String name, float[] data, long... shape) {
        Tensor t = Tensor.allocate(allocator, DType.FLOAT, shape);
        for (int i = 0; i < data.length; i++) {
            t.segment().setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, i, data[i]);
        }
        constants.put(name, t);
        return value(name, DType.FLOAT, shape);
    }

    public TypedSegmentBuilder op(String opType, Map<String, Object> attributes, List<String> inputs, List<String> outputs) {
        List<TensorType> in = inputs.stream().map(n -> n.isEmpty() ? null : types.get(n)).toList();
        List<TensorType> out = outputs.stream().map(types::get).toList();
        Map<String, Tensor> consts = new LinkedHashMap<>();
        for (String n : inputs) {
            if (constants.containsKey(n)) {
                consts.put(n, constants.get(n));
            }
        }
        ops.add(new OpView(opType.toLowerCase() + ops.size(), opType, "", opset, attributes, inputs, outputs, in, out,
                        consts));
        return this;
    }

    public Segment build(String... outputs) {
        Set<String> produced = new HashSet<>();
        for (OpView op : ops) {
            produced.addAll(op.outputs());
        }
        List<String> inputs = types.keySet().stream()
                        .filter(n -> !produced.contains(n) && !constants.containsKey(n)).toList();
        return new Segment("test", List.copyOf(ops), inputs, inputs.stream().map(types::get).toList(),
                        List.of(outputs), List.of(outputs).stream().map(types::get).toList(), constants, types);
    }

    /** Closes the constants (tests own them, as the graph does in dnnrun). */
    public void closeConstants() {
        constants.values().forEach(Tensor::close);
    }
}
