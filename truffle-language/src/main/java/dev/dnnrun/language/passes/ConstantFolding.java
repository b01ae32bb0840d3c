package dev.dnnrun.language.passes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.nodes.OpNode;
import dev.dnnrun.language.nodes.Plan;
import dev.dnnrun.language.nodes.Signature;
import dev.dnnrun.language.ops.OperatorRegistry;
import dev.dnnrun.tensor.Tensor;

/**
 * Evaluates, once at load time, every node whose inputs are all constants (Constant, ConstantOfShape, shape
 * arithmetic on initializers, weight reshapes...), using the same operator nodes that run the model. The
 * results become constants; constants nothing uses any more are dropped by {@link DeadNodeElimination}.
 */
public final class ConstantFolding {
    /** Operators whose results must not be computed ahead of time. */
    private static final Set<String> NEVER_FOLD = Set.of("RandomNormal", "RandomUniform", "RandomNormalLike",
                    "RandomUniformLike", "Multinomial", "Bernoulli");

    private ConstantFolding() {
    }

    public static ModelGraph run(ModelGraph graph, OperatorRegistry registry, BufferAllocator allocator) {
        Map<String, Tensor> constants = new LinkedHashMap<>(graph.constants());
        List<GraphNode> remaining = new ArrayList<>();
        try {
            fold(graph, registry, allocator, constants, remaining);
        } catch (RuntimeException e) {
            // Free what folding made; the graph's own constants stay with the graph.
            for (Map.Entry<String, Tensor> c : constants.entrySet()) {
                if (graph.constants().get(c.getKey()) != c.getValue()) {
                    c.getValue().close();
                }
            }
            throw e;
        }
        return graph.withNodesAndConstants(remaining, constants);
    }

    private static void fold(ModelGraph graph, OperatorRegistry registry, BufferAllocator allocator,
                    Map<String, Tensor> constants, List<GraphNode> remaining) {
        for (GraphNode n : graph.nodes()) {
            if (!foldable(n, constants)) {
                remaining.add(n);
                continue;
            }
            OpNode op = registry.create(n);
            Tensor[] in = new Tensor[n.inputs().size()];
            for (int i = 0; i < in.length; i++) {
                String name = n.inputs().get(i);
                in[i] = name.isEmpty() ? null : constants.get(name);
            }
            Plan plan = op.planFor(Signature.of(op, in));
            Tensor[] out = op.runKernel(plan, in, allocator);
            for (int i = 0; i < out.length; i++) {
                String name = i < n.outputs().size() ? n.outputs().get(i) : "";
                if (name.isEmpty()) {
                    out[i].close();
                } else {
                    constants.put(name, out[i]);
                }
            }
        }
    }

    private static boolean foldable(GraphNode n, Map<String, Tensor> constants) {
        if (NEVER_FOLD.contains(n.opType()) || !n.domain().isEmpty()) {
            return false;
        }
        for (String in : n.inputs()) {
            if (!in.isEmpty() && !constants.containsKey(in)) {
                return false;
            }
        }
        return !n.attributes().all().stream().anyMatch(a -> a.kind() == dev.dnnrun.language.graph.Attribute.Kind.GRAPH);
    }
}
