package dev.dnnrun.language.passes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.arrow.memory.BufferAllocator;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.nodes.EagerRunner;
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
        // On an error the runner frees what folding made; the graph's own constants stay with the graph.
        try (EagerRunner folder = new EagerRunner()) {
            folder.putAll(graph.constants());
            for (GraphNode n : graph.nodes()) {
                if (foldable(n, folder)) {
                    folder.run(n, registry.create(n), null, allocator);
                } else {
                    remaining.add(n);
                }
            }
            constants.putAll(folder.takeMade());
        }
        return graph.withNodesAndConstants(remaining, constants);
    }

    private static boolean foldable(GraphNode n, EagerRunner constants) {
        if (NEVER_FOLD.contains(n.opType()) || !n.domain().isEmpty()) {
            return false;
        }
        for (String in : n.inputs()) {
            if (!in.isEmpty() && !constants.has(in)) {
                return false;
            }
        }
        return !n.attributes().all().stream().anyMatch(a -> a.kind() == dev.dnnrun.language.graph.Attribute.Kind.GRAPH);
    }
}
