package dev.dnnrun.language.passes;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.graph.ValueType;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.language.ops.OperatorRegistry;
import dev.dnnrun.language.runtime.DnnException;
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
            Signature sig = staticSignature(n, graph, types, registry);
            if (sig == null) {
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

    /** The node's input signature when every input's type, shape and (for value inputs) contents are known. */
    private static Signature staticSignature(GraphNode n, ModelGraph graph, Map<String, ValueType> types,
                    OperatorRegistry registry) {
        OpNode probe = registry.create(n);
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
            if (t == null || t.dtype() == null || !t.hasStaticShape()) {
                return null;
            }
            dtypes[i] = t.dtype();
            shapes[i] = t.dims().clone();
            if (probe.isValueInput(i)) {
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
