package dev.dnnrun.language.ops.math;

import dev.dnnrun.language.graph.GraphNode;

/**
 * dev.dnnrun FusedMatMul (1): float32 MatMul whose product is scaled by the float attribute {@code alpha} in the
 * same pass (the GEMM scales A while it packs it). Written by the graph optimiser for MatMul followed by a Mul by a
 * scalar constant, as attention's scaled Q K^T is exported.
 */
public final class FusedMatMul extends MatMul {
    public FusedMatMul(GraphNode node) {
        super(node, node.attributes().getFloat("alpha", 1f));
    }
}
