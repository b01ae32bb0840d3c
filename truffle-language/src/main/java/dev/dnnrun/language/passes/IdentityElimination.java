package dev.dnnrun.language.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.tensor.Tensor;

/**
 * Removes nodes that pass their input through unchanged: Identity, and Dropout in inference (its mask, if named,
 * read by nobody; no training mode). Their readers read the input instead. Besides a copy-free AST, this keeps such nodes from
 * splitting an accelerator's segment in two (exporters leave Dropout in front of classifier heads).
 * <p>
 * A node stays when its output is a graph output (the name is the model's interface) or is read by name from a
 * subgraph (If/Loop/Scan bodies), and a Dropout stays unless its training mode is absent or a constant false.
 */
public final class IdentityElimination {
    private IdentityElimination() {
    }

    public static ModelGraph run(ModelGraph graph) {
        Set<String> pinned = new HashSet<>(graph.outputs());
        for (GraphNode n : graph.nodes()) {
            pinned.addAll(SubgraphUses.outerValues(n));
        }
        Set<String> read = new HashSet<>(pinned); // names needed as they are, and node inputs
        for (GraphNode n : graph.nodes()) {
            read.addAll(n.inputs());
        }
        Map<String, String> renamed = new HashMap<>();
        List<GraphNode> kept = new ArrayList<>();
        for (GraphNode n : graph.nodes()) {
            List<String> inputs = new ArrayList<>(n.inputs().size());
            for (String in : n.inputs()) {
                inputs.add(renamed.getOrDefault(in, in));
            }
            GraphNode node = inputs.equals(n.inputs()) ? n : n.withInputs(inputs);
            if (passesThrough(node, graph, read) && !pinned.contains(node.outputs().get(0))) {
                renamed.put(node.outputs().get(0), node.inputs().get(0));
            } else {
                kept.add(node);
            }
        }
        return renamed.isEmpty() ? graph : graph.withNodes(kept);
    }

    private static boolean passesThrough(GraphNode n, ModelGraph graph, Set<String> read) {
        if (!n.domain().isEmpty() || n.inputs().isEmpty() || n.inputs().get(0).isEmpty() || n.outputs().isEmpty()
                        || n.outputs().get(0).isEmpty()) {
            return false;
        }
        return switch (n.opType()) {
            case "Identity" -> n.outputs().size() == 1;
            case "Dropout" -> inferenceDropout(n, graph, read);
            default -> false;
        };
    }

    private static boolean inferenceDropout(GraphNode n, ModelGraph graph, Set<String> read) {
        if (n.outputs().size() > 1 && read.contains(n.outputs().get(1))) {
            return false; // the mask is read: a value of its own
        }
        if (n.opsetVersion() < 7 && n.attributes().has("is_test") && n.attributes().getInt("is_test", 0) == 0) {
            return false; // training: the Dropout node reports it
        }
        if (n.inputs().size() < 3 || n.inputs().get(2).isEmpty()) {
            return true;
        }
        Tensor mode = graph.constants().get(n.inputs().get(2));
        return mode != null && mode.elementCount() == 1 && mode.getLong(0) == 0;
    }
}
