package dev.dnnrun.language.passes;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.tensor.Tensor;

/** Removes nodes none of whose outputs reach a graph output, then releases constants nothing reads. */
public final class DeadNodeElimination {
    private DeadNodeElimination() {
    }

    public static ModelGraph run(ModelGraph graph) {
        Set<String> live = new HashSet<>(graph.outputs());
        List<GraphNode> kept = new ArrayList<>();
        List<GraphNode> nodes = graph.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            GraphNode n = nodes.get(i);
            if (n.outputs().stream().anyMatch(live::contains)) {
                kept.add(n);
                live.addAll(n.inputs());
                live.addAll(SubgraphUses.outerValues(n));
            }
        }
        Collections.reverse(kept);
        Map<String, Tensor> constants = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : graph.constants().entrySet()) {
            if (live.contains(e.getKey())) {
                constants.put(e.getKey(), e.getValue());
            } else {
                e.getValue().close();
            }
        }
        return graph.withNodesAndConstants(kept, constants);
    }
}
