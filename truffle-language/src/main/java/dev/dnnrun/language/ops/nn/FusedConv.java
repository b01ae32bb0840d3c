package dev.dnnrun.language.ops.nn;

import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.OperatorException;

/**
 * dev.dnnrun FusedConv (1): a Conv whose output goes through an activation in the same pass over memory. Written by
 * the graph optimiser for Conv followed by Relu, and for Conv followed by a residual Add (and maybe Relu); same
 * inputs and attributes as Conv plus the string attribute {@code activation} (only "Relu" so far) and an optional
 * fourth input Z, of the output's shape and dtype, added to the convolution before the activation.
 */
public final class FusedConv extends Conv {
    public FusedConv(GraphNode node) {
        super(node, relu(node.attributes().getString("activation", null)), node.inputs().size() > 3 && !node.inputs().get(3).isEmpty());
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
