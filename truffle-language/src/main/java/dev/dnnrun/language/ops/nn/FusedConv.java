package dev.dnnrun.language.ops.nn;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;

/**
 * dev.dnnrun FusedConv (1): a Conv whose output goes through an activation in the same pass over memory. Written by
 * the graph optimiser for Conv followed by Relu; same inputs and attributes as Conv plus the string attribute
 * {@code activation} (only "Relu" so far; without it the node is a plain Conv).
 */
public final class FusedConv extends Conv {
    public FusedConv(GraphNode node) {
        super(node, relu(node.attributes().getString("activation", null)));
    }

    private static boolean relu(String activation) {
        if (activation == null) {
            return false;
        }
        if (!activation.equals("Relu")) {
            throw new OperatorException("FusedConv activation must be Relu, got " + activation);
        }
        return true;
    }
}
