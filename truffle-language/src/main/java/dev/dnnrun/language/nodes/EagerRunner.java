package dev.dnnrun.language.nodes;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ValueType;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Runs graph nodes one at a time outside the AST, on values named as in the graph: for each node it gathers the
 * inputs by name, plans with the operator's own planning code, runs the kernel and stores the outputs by name.
 * It can also only type a node: plan it from the types of its inputs (and the contents of its value inputs, where
 * known) and record the output types, running nothing. Constant folding, shape inference, the typing of an
 * accelerator segment and {@code --accel auto}'s CPU timing all go through it, so they read inputs, plan and name
 * outputs the same way.
 *
 * <p>Tensors given with {@link #put} stay their owner's. Tensors the kernels made belong to the runner and are
 * closed by {@link #close}, unless handed over with {@link #takeMade}.
 */
public final class EagerRunner implements AutoCloseable {
    private final Map<String, Tensor> values = new HashMap<>();
    private final Map<String, ValueType> types = new LinkedHashMap<>();
    private final Map<String, Tensor> made = new LinkedHashMap<>();

    /** Makes a value known by name, with its type; the caller keeps owning the tensor. */
    public EagerRunner put(String name, Tensor value) {
        values.put(name, value);
        types.put(name, ValueType.of(value.dtype(), value.shape().clone()));
        return this;
    }

    public EagerRunner putAll(Map<String, Tensor> named) {
        named.forEach(this::put);
        return this;
    }

    /** Makes only the type of a value known (what shape inference starts from). */
    public EagerRunner putType(String name, ValueType type) {
        types.put(name, type);
        return this;
    }

    /** Whether the contents of {@code name} are known. */
    public boolean has(String name) {
        return values.containsKey(name);
    }

    /** The type of {@code name}: given, taken from its contents, or planned; null when unknown. */
    public ValueType type(String name) {
        return types.get(name);
    }

    /** Every known type, in the order they became known. */
    public Map<String, ValueType> types() {
        return Collections.unmodifiableMap(types);
    }

    /**
     * Runs {@code node} (whose operator node is {@code op}) on the known values and stores its outputs by name;
     * outputs the graph does not name are freed at once. Plans unless given the {@code plan} of an earlier call
     * with the same inputs; returns the plan used.
     */
    public Plan run(GraphNode node, OpNode op, Plan plan, BufferAllocator allocator) {
        Tensor[] args = new Tensor[node.inputs().size()];
        for (int i = 0; i < args.length; i++) {
            String name = node.inputs().get(i);
            if (name.isEmpty()) {
                continue;
            }
            args[i] = values.get(name);
            if (args[i] == null) {
                throw op.error("input '" + name + "' has no value to run on");
            }
        }
        Plan used = plan != null ? plan : op.planFor(Signature.of(op, args));
        Tensor[] out = op.runKernel(used, args, allocator);
        for (int o = 0; o < out.length; o++) {
            if (out[o] == null) {
                continue; // an optional output the operator did not produce
            }
            String name = o < node.outputs().size() ? node.outputs().get(o) : "";
            if (name.isEmpty()) {
                out[o].close();
            } else {
                put(name, out[o]);
                Tensor replaced = made.put(name, out[o]);
                if (replaced != null) {
                    replaced.close(); // the same node run again in this runner
                }
            }
        }
        return used;
    }

    /**
     * Types {@code node} without running it: plans it from the known input types and records the output types
     * whose shapes the plan fixes (an output whose size depends on input values stays unknown). Returns null,
     * recording nothing, when an input's static type or a value input's contents is unknown. A plan the operator
     * rejects throws its {@link DnnException}.
     */
    public Plan type(GraphNode node, OpNode op) {
        Signature signature = signature(node, op, -1);
        if (signature == null) {
            return null;
        }
        Plan plan = op.planFor(signature);
        for (int o = 0; o < node.outputs().size(); o++) {
            String name = node.outputs().get(o);
            if (!name.isEmpty() && plan.outputShape(o) != null) {
                types.put(name, ValueType.of(plan.outputType(o), plan.outputShape(o)));
            }
        }
        return plan;
    }

    /**
     * The signature of {@code node}'s inputs from the known types and contents, or null when one is unknown. With
     * {@code probe} > 0, unknown sizes of known ranks become {@code probe} (for probing symbolic dimensions).
     */
    public Signature signature(GraphNode node, OpNode op, long probe) {
        int count = node.inputs().size();
        DType[] dtypes = new DType[count];
        long[][] shapes = new long[count][];
        long[][] contents = new long[count][];
        for (int i = 0; i < count; i++) {
            String name = node.inputs().get(i);
            if (name.isEmpty()) {
                continue;
            }
            ValueType t = types.get(name);
            if (t == null || t.dtype() == null || t.dims() == null || (probe <= 0 && !t.hasStaticShape())) {
                return null;
            }
            dtypes[i] = t.dtype();
            shapes[i] = t.dims().clone();
            for (int d = 0; d < shapes[i].length; d++) {
                if (shapes[i][d] < 0) {
                    shapes[i][d] = probe;
                }
            }
            if (op.isValueInput(i)) {
                Tensor value = values.get(name);
                if (value == null) {
                    return null;
                }
                contents[i] = Signature.contents(value);
            }
        }
        return new Signature(dtypes, shapes, contents);
    }

    /** Hands the tensors the kernels made, by output name in the order made, to the caller; the runner forgets them. */
    public Map<String, Tensor> takeMade() {
        Map<String, Tensor> taken = new LinkedHashMap<>(made);
        made.clear();
        return taken;
    }

    /** Frees the tensors the kernels made and nobody took. */
    @Override
    public void close() {
        for (Tensor t : made.values()) {
            t.close();
        }
        made.clear();
    }
}
