package dev.dnnrun.language.passes;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import dev.dnnrun.language.graph.Attribute;
import dev.dnnrun.language.graph.Attributes;
import dev.dnnrun.language.graph.GraphNode;
import dev.dnnrun.language.graph.ModelGraph;
import dev.dnnrun.language.graph.ValueType;
import dev.dnnrun.tensor.DType;

/**
 * MatMul → Mul by a float32 scalar constant, as exporters write attention's scaled {@code Q K^T}, becomes one
 * dev.dnnrun FusedMatMul with that scalar as {@code alpha}: the GEMM scales its packed A instead of a second pass
 * over the [heads, T, T] scores (ONNX Runtime's optimiser does the same). The MatMul's output must have no other
 * reader, and both values must be float32 of the same known rank (so the scalar cannot broadcast the product to a
 * higher rank). Runs after shape inference, and only when everything runs on the CPU (a backend may run MatMul and
 * Mul and not FusedMatMul).
 */
public final class MatMulScaleFusion {
    static final String DOMAIN = "dev.dnnrun";
    static final String FUSED_MATMUL = "FusedMatMul";

    private MatMulScaleFusion() {
    }

    public static ModelGraph run(ModelGraph g, boolean cpuOnly) {
        if (!cpuOnly) {
            return g;
        }
        Map<String, GraphNode> producers = GraphUses.producers(g);
        Map<String, Integer> readers = GraphUses.readers(g);
        Map<GraphNode, GraphNode> replaced = new HashMap<>();
        Set<GraphNode> removed = new HashSet<>();
        for (GraphNode mul : g.nodes()) {
            if (!GraphUses.isOnnx(mul, "Mul", 2) || mul.inputs().get(0).equals(mul.inputs().get(1))) {
                continue;
            }
            for (int side = 0; side < 2; side++) {
                String product = mul.inputs().get(side);
                GraphNode matmul = GraphUses.singleReaderProducer(producers, readers, product);
                Float alpha = GraphUses.floatScalar(g, mul.inputs().get(1 - side));
                if (!GraphUses.isOnnx(matmul, "MatMul", 2) || alpha == null || removed.contains(matmul)
                                || !sameRankFloat(g.typeOf(product), g.typeOf(mul.outputs().get(0)))) {
                    continue;
                }
                Attributes attrs = new Attributes(Map.of("alpha", new Attribute("alpha", Attribute.Kind.FLOAT, (double) alpha)));
                replaced.put(mul, new GraphNode(matmul.name(), FUSED_MATMUL, DOMAIN, matmul.inputs(), mul.outputs(), attrs,
                                matmul.opsetVersion()));
                removed.add(matmul);
                break;
            }
        }
        if (replaced.isEmpty()) {
            return g;
        }
        // The scalar may now be unread; dead-node elimination releases it.
        return g.withNodes(GraphUses.rewritten(g, replaced, removed));
    }

    private static boolean sameRankFloat(ValueType a, ValueType b) {
        return a != null && b != null && a.dtype() == DType.FLOAT && b.dtype() == DType.FLOAT && a.dims() != null && b.dims() != null
                        && a.dims().length == b.dims().length;
    }
}
