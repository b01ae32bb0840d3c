package dev.dnnrun.language.passes;

import java.util.HashSet;
import java.util.Set;

import dev.dnnrun.language.graph.Attribute;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;

/** Values of the enclosing graph that a node's subgraphs (If/Loop/Scan bodies) read by name. */
final class SubgraphUses {
    private SubgraphUses() {
    }

    static Set<String> outerValues(GraphNode n) {
        Set<String> used = new HashSet<>();
        for (Attribute a : n.attributes().all()) {
            if (a.value() instanceof ModelGraph g) {
                collect(g, used);
            } else if (a.value() instanceof ModelGraph[] gs) {
                for (ModelGraph g : gs) {
                    collect(g, used);
                }
            }
        }
        return used;
    }

    private static void collect(ModelGraph g, Set<String> used) {
        Set<String> local = new HashSet<>(g.inputs());
        local.addAll(g.constants().keySet());
        for (GraphNode n : g.nodes()) {
            local.addAll(n.outputs());
        }
        for (GraphNode n : g.nodes()) {
            for (String in : n.inputs()) {
                if (!local.contains(in)) {
                    used.add(in);
                }
            }
            used.addAll(outerValues(n));
        }
        for (String o : g.outputs()) {
            if (!local.contains(o)) {
                used.add(o);
            }
        }
    }
}
