package dev.dnnrun.language.passes;

import java.util.LinkedHashMap;
import java.util.List;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.graph.ValueType;
import dev.dnnrun.language.nodes.DnnException;
import dev.dnnrun.language.nodes.EagerRunner;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.language.ops.OperatorRegistry;

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
        EagerRunner types = new EagerRunner(); // types only: it runs nothing, so owns nothing to close
        graph.types().forEach(types::putType);
        types.putAll(graph.constants());
        for (GraphNode n : graph.nodes()) {
            OpNode op = registry.create(n);
            try {
                if (types.type(n, op) == null) {
                    inferSymbolic(n, op, types);
                }
            } catch (DnnException e) {
                problems.add(e.getMessage());
            }
        }
        return graph.withTypes(new LinkedHashMap<>(types.types()));
    }

    /**
     * For inputs with unknown sizes but known dtypes and ranks: plans twice with every unknown size set to 2, then
     * to 3. Output sizes that agree are fixed; the others stay unknown. Gives dtypes and ranks past symbolic
     * dimensions (so accelerators can judge the operators), and nothing when a probe is rejected.
     */
    private static void inferSymbolic(GraphNode n, OpNode op, EagerRunner types) {
        Signature a = types.signature(n, op, 2);
        Signature b = types.signature(n, op, 3);
        if (a == null || b == null) {
            return;
        }
        try {
            Plan pa = op.planFor(a);
            Plan pb = op.planFor(b);
            for (int i = 0; i < n.outputs().size(); i++) {
                String out = n.outputs().get(i);
                long[] sa = pa.outputShape(i);
                long[] sb = pb.outputShape(i);
                if (out.isEmpty() || types.type(out) != null && types.type(out).dims() != null) {
                    continue;
                }
                if (sa == null || sb == null || sa.length != sb.length) {
                    types.putType(out, ValueType.unknown(pa.outputType(i)));
                    continue;
                }
                long[] dims = new long[sa.length];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = sa[d] == sb[d] ? sa[d] : ValueType.UNKNOWN;
                }
                types.putType(out, new ValueType(pa.outputType(i), dims, new String[dims.length]));
            }
        } catch (DnnException | dev.dnnrun.language.graph.OperatorException e) {
            // a probe size the operator rejects: leave the outputs unknown
        }
    }
}
