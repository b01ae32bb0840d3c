package dev.dnnrun.language.passes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.graph.ValueType;
import dev.dnnrun.language.nodes.DnnException;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.language.ops.OperatorRegistry;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/**
 * Propagates dtypes and static shapes through the graph with each operator's own planning code, so inference and
 * execution can never disagree. A node whose inputs are all statically known and which rejects them is a model
 * error, reported at load. Values whose shape depends on symbolic dimensions keep their declared type.
 */
public final class ShapeInference {
    private ShapeInference() {
    }

    /** Returns the graph with inferred types, adding one line to {@code problems} for each node that cannot run. */
    public static ModelGraph run(ModelGraph graph, OperatorRegistry registry, List<String> problems) {
        Map<String, ValueType> types = new LinkedHashMap<>(graph.types());
        for (Map.Entry<String, Tensor> c : graph.constants().entrySet()) {
            types.put(c.getKey(), ValueType.of(c.getValue().dtype(), c.getValue().shape()));
        }
        for (GraphNode n : graph.nodes()) {
            Signature sig = staticSignature(n, graph, types, registry, -1);
            if (sig == null) {
                inferSymbolic(n, graph, types, registry);
                continue;
            }
            try {
                Plan plan = registry.create(n).planFor(sig);
                for (int i = 0; i < n.outputs().size(); i++) {
                    String out = n.outputs().get(i);
                    if (!out.isEmpty() && plan.outputShape(i) != null) {
                        types.put(out, ValueType.of(plan.outputType(i), plan.outputShape(i)));
                    }
                }
            } catch (DnnException e) {
                problems.add(e.getMessage());
            }
        }
        return graph.withTypes(types);
    }

    /**
     * For inputs with unknown sizes but known dtypes and ranks: plans twice with every unknown size set to 2, then
     * to 3. Output sizes that agree are fixed; the others stay unknown. Gives dtypes and ranks past symbolic
     * dimensions (so accelerators can judge the operators), and nothing when a probe is rejected.
     */
    private static void inferSymbolic(GraphNode n, ModelGraph graph, Map<String, ValueType> types, OperatorRegistry registry) {
        Signature a = staticSignature(n, graph, types, registry, 2);
        Signature b = staticSignature(n, graph, types, registry, 3);
        if (a == null || b == null) {
            return;
        }
        try {
            OpNode op = registry.create(n);
            Plan pa = op.planFor(a);
            Plan pb = op.planFor(b);
            for (int i = 0; i < n.outputs().size(); i++) {
                String out = n.outputs().get(i);
                long[] sa = pa.outputShape(i);
                long[] sb = pb.outputShape(i);
                if (out.isEmpty() || types.containsKey(out) && types.get(out).dims() != null) {
                    continue;
                }
                if (sa == null || sb == null || sa.length != sb.length) {
                    types.put(out, ValueType.unknown(pa.outputType(i)));
                    continue;
                }
                long[] dims = new long[sa.length];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = sa[d] == sb[d] ? sa[d] : ValueType.UNKNOWN;
                }
                types.put(out, new ValueType(pa.outputType(i), dims, new String[dims.length]));
            }
        } catch (DnnException | dev.dnnrun.language.graph.OperatorException e) {
            // a probe size the operator rejects: leave the outputs unknown
        }
    }

    /**
     * The node's input signature when every input's type, shape and (for value inputs) contents are known; with
     * {@code probe} > 0, unknown sizes are replaced by {@code probe}.
     */
    private static Signature staticSignature(GraphNode n, ModelGraph graph, Map<String, ValueType> types,
                    OperatorRegistry registry, long probe) {
        OpNode op = registry.create(n);
        int count = n.inputs().size();
        DType[] dtypes = new DType[count];
        long[][] shapes = new long[count][];
        long[][] values = new long[count][];
        for (int i = 0; i < count; i++) {
            String name = n.inputs().get(i);
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
                Tensor c = graph.constants().get(name);
                if (c == null) {
                    return null;
                }
                values[i] = Signature.contents(c);
            }
        }
        return new Signature(dtypes, shapes, values);
    }
}
