package dev.dnnrun.language.passes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.tensor.DType;
import dev.dnnrun.tensor.Tensor;

/** What the rewriting passes ask of a graph: who reads and who writes each value, and the node list after a rewrite. */
final class GraphUses {
    private GraphUses() {
    }

    /**
     * How many times each value is read. A value a subgraph reads, and a graph output, count twice: a rewrite that
     * needs a single reader must leave them alone.
     */
    static Map<String, Integer> readers(ModelGraph g) {
        Map<String, Integer> count = new HashMap<>();
        for (GraphNode n : g.nodes()) {
            for (String in : n.inputs()) {
                count.merge(in, 1, Integer::sum);
            }
            for (String outer : SubgraphUses.outerValues(n)) {
                count.merge(outer, 2, Integer::sum);
            }
        }
        for (String out : g.outputs()) {
            count.merge(out, 2, Integer::sum);
        }
        return count;
    }

    /** The node that writes each value. */
    static Map<String, GraphNode> producers(ModelGraph g) {
        Map<String, GraphNode> byOutput = new HashMap<>();
        for (GraphNode n : g.nodes()) {
            for (String out : n.outputs()) {
                byOutput.put(out, n);
            }
        }
        return byOutput;
    }

    /** The graph's nodes in order, each {@code replaced} one swapped for its replacement, the {@code removed} ones left out. */
    static List<GraphNode> rewritten(ModelGraph g, Map<GraphNode, GraphNode> replaced, Set<GraphNode> removed) {
        List<GraphNode> nodes = new ArrayList<>();
        for (GraphNode n : g.nodes()) {
            if (!removed.contains(n)) {
                nodes.add(replaced.getOrDefault(n, n));
            }
        }
        return nodes;
    }

    /** The producer of {@code value} when the value has exactly one reader and is not a graph output, else null. */
    static GraphNode singleReaderProducer(Map<String, GraphNode> producers, Map<String, Integer> readers, String value) {
        return readers.getOrDefault(value, 0) == 1 ? producers.get(value) : null;
    }

    /** Whether {@code n} is an ai.onnx {@code op} with one output and {@code inputs} inputs (any number when negative). */
    static boolean isOnnx(GraphNode n, String op, int inputs) {
        return n != null && n.domain().isEmpty() && n.opType().equals(op) && n.outputs().size() == 1
                        && (inputs < 0 || n.inputs().size() == inputs);
    }

    /** The value of {@code value} when it is a one-element float32 constant, else null. */
    static Float floatScalar(ModelGraph g, String value) {
        Tensor t = g.constants().get(value);
        return t != null && t.dtype() == DType.FLOAT && t.elementCount() == 1 ? t.getFloat(0) : null;
    }
}
